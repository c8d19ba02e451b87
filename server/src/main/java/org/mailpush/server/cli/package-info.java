/**
 * The {@code mailpush} command line (picocli): {@link MailpushCommand} and its subcommands {@code run}, {@code demo},
 * {@code check}, {@code certs}, {@code tokens}, {@code send-test}, {@code cyrus-config} and {@code dovecot-config},
 * package-private.
 *
 * <p>In: the arguments and {@code --config FILE}. Out: what the command prints, and an exit code as {@code ExitCodes}
 * defines them; {@code run} starts the service and returns at SIGTERM or SIGINT. One command per process, on the main
 * thread.</p>
 */
package org.mailpush.server.cli;
