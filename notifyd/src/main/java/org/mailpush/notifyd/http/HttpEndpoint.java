package org.mailpush.notifyd.http;

import java.util.concurrent.CompletionStage;

/**
 * Serves one path of an {@link HttpIntakeServer}.
 *
 * <p>Threading: called on the server's I/O thread. It must not block: work that touches the token store goes to the
 * event router and the answer comes back as a stage that may complete on another thread. A stage that fails, or a
 * call that throws, is answered with 500.</p>
 */
@FunctionalInterface
public interface HttpEndpoint {

    CompletionStage<HttpAnswer> handle(IntakeHttpRequest request);
}
