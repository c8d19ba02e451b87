/**
 * Registrations and DAV subscriptions in and out of files, for
 * {@code mailpush tokens backup|restore|export|import|import-xapsd}: {@link RegistrationArchive} writes and reads
 * mailpush's own JSON Lines format (gzipped for backups, owner-only files), {@link XapsdDatabase} reads
 * dovecot-xaps-daemon's {@code database.json}.
 *
 * <p>In: a {@link org.mailpush.store.TokenStore} or a file. Out: a file, or the push targets read (lazily, for an
 * archive); a file that cannot be read is an {@link ArchiveException} naming the line. Stateless static methods; each
 * call runs on its caller's thread.</p>
 */
package org.mailpush.store.transfer;
