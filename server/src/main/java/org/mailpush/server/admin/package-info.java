/**
 * What the admin commands do beyond the service: {@link InstallCheck} ({@code mailpush check}: every part of an
 * install, one verdict each, including the local Dovecot's wiring read with {@code doveconf}),
 * {@link CredentialInstaller} ({@code certs install}: a credential written into the install, secrets owner-only and
 * atomically) and {@link InstalledCredentials}.
 *
 * <p>In: a loaded configuration and files or processes on this machine. Out: verdicts and reports for the command line,
 * files written; secrets are compared, never printed. Used from the command's one thread.</p>
 */
package org.mailpush.server.admin;
