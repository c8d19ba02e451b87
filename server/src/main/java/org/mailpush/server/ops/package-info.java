/**
 * The operator's view: {@link OpsHttpServer} ({@code /healthz}, {@code /readyz}, {@code /metrics}, the status page) and
 * the Micrometer-backed metrics behind it, in one Prometheus registry ({@link MailpushMetrics}, with
 * {@link IntakeMetrics}, {@link PushMetrics} and {@link MeteredRegistrationStore} and {@link MeteredPushQueue}).
 *
 * <p>In: the parts' counters, bound as functions, and the intake and push observers' events. Out: Prometheus text,
 * {@code /status.json} and readiness; no account id or whole device token on any page. The metric classes are
 * thread-safe and quick on the hot paths; the HTTP server answers on one thread of its own.</p>
 */
package org.mailpush.server.ops;
