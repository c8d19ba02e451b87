/**
 * A mock APNs for the demo, the tests and the benchmarks: {@link LoopbackApnsServer} wraps Pushy's
 * {@code MockApnsServer} with Apple's validation rules.
 *
 * <p>In: real HTTP/2 push requests over TLS with a client certificate. Out: Apple's answers (or injected ones), and a
 * {@link ReceivedPush} per request for the caller to inspect. Thread-safe. Pushy binds it on every interface, not
 * only loopback.</p>
 */
package org.mailpush.pusher.mock;
