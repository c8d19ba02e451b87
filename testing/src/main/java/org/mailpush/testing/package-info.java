/**
 * Help for the modules' tests (a test-scope dependency) and the benchmarks, never in the service: real Cyrus, Dovecot
 * and PostgreSQL run from temporary folders ({@link CyrusServer}, {@link DovecotServer}, {@link PostgresCluster}),
 * byte-level clients (IMAP, HTTP, LMTP, an XAPPLEPUSHSERVICE client), a CalDAV/CardDAV client for Cyrus's httpd
 * ({@link DavClient}), a receiver for Cyrus's notify datagrams ({@link NotifyDatagramCapture}), {@link ManualTime} and
 * heap measurement.
 *
 * <p>In: what a test sets up. Out: running servers on loopback ports, and what the clients read. The servers fail
 * rather than skip when their packages are missing ({@code .ci/run} installs them), and run their processes as their
 * own users, which is why the interop tests run as root. {@code ManualTime} is thread-safe.</p>
 */
package org.mailpush.testing;
