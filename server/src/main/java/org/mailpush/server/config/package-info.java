/**
 * The configuration: {@link ConfigLoader} reads {@code mailpush.yaml}, {@code ConfigBinding} binds each section to
 * the settings record of the module that uses it (Jackson; the records hold every default and range),
 * {@code ConfigValidator} checks the rules that span keys and reads the secrets, and the result is a
 * {@link MailpushConfig}. {@link EffectiveConfig} prints it back ({@code mailpush config}); the factories open what
 * it describes (the token store, the APNs credentials).
 *
 * <p>In: the YAML file and the secret files it names (refused when others can read them). Out: a validated
 * configuration, or a {@link ConfigException} of one line naming the file, the key path and the problem.
 * Stateless; used once per process, at start.</p>
 */
package org.mailpush.server.config;
