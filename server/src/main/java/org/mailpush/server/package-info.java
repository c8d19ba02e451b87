/**
 * The {@code mailpush} executable: {@link Main} hands the command line to picocli's {@code mailpush} command
 * ({@code org.mailpush.server.cli}) and exits with its code.
 *
 * <p>In: the arguments. Out: the exit code (sysexits.h where one fits).</p>
 */
package org.mailpush.server;
