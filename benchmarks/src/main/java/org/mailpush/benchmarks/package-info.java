/**
 * The figures of docs/benchmarks.md, each a {@code main} run by {@code benchmarks/run}: the pusher against bare Pushy
 * ({@link PusherBenchmark}), the store's routing lookups ({@link StoreBenchmark}), the whole service end to end
 * ({@link PipelineBenchmark}), the IMAP proxy ({@link ProxyBenchmark}) and what the Lua script costs a Dovecot delivery
 * ({@link DovecotDeliveryBenchmark}).
 *
 * <p>In: arguments and, for some, root and installed servers. Out: figures printed; nothing asserts. Not tests and not
 * run by {@code mvn test}.</p>
 */
package org.mailpush.benchmarks;
