package org.mailpush.notifyd.http;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One complete HTTP request as an {@link HttpEndpoint} sees it, after the server checked its size, path, method and
 * shared secret.
 *
 * @param path        the request path, without query string
 * @param contentType the {@code Content-Type} header, {@code null} when absent
 * @param body        the whole body (bounded by the server's limit)
 */
public record IntakeHttpRequest(String path, String contentType, byte[] body) {

    public IntakeHttpRequest {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(body, "body");
    }

    public static IntakeHttpRequest of(final String path, final String body) {
        return new IntakeHttpRequest(path, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }
}
