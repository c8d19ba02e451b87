/**
 * The configuration: {@link ConfigLoader} reads and validates {@code mailpush.yaml} into a {@link MailpushConfig}, and
 * the factories open what it describes (the token store, the APNs credentials).
 *
 * <p>In: the YAML file and the secret files it names (refused when others can read them). Out: a validated
 * configuration, or a {@link ConfigException} of one line naming the file, the key and the problem. Stateless; used
 * once per process, at start.</p>
 */
package org.mailpush.server.config;
