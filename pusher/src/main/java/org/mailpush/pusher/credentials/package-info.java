/**
 * What mailpush signs its APNs requests with: an {@link ApnsCredential}, a client certificate (PKCS#12 or PEM) or a
 * token key (.p8), one per topic.
 *
 * <p>In: files as Apple and admins have them. Out: {@link CredentialLoader} gives a credential or a
 * {@link CredentialException} naming the file; {@link CredentialInspector} never throws and gives a
 * {@link CredentialInspection} for {@code certs inspect} and {@code check}. Stateless (apart from a clock) and
 * thread-safe; passwords and key material never appear in messages.</p>
 */
package org.mailpush.pusher.credentials;
