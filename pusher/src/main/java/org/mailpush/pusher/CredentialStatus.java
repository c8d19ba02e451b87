package org.mailpush.pusher;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * How one credential stands, for health checks and the status page.
 *
 * @param usable         false once APNs refused the credential itself (BadCertificate, Forbidden, ...) until it is
 *                       replaced on disk
 * @param problem        why it is not usable, {@code null} when usable
 * @param circuitBreaker the breaker's state: CLOSED, OPEN, HALF_OPEN
 */
public record CredentialStatus(String topic, Path source, String apnsHost, boolean usable, String problem,
                               Optional<Instant> notAfter, String circuitBreaker) {
}
