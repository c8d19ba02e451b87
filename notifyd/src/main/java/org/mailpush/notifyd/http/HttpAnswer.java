package org.mailpush.notifyd.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * What an {@link HttpEndpoint} answers: a status, and a body with its media type (none for an empty body).
 *
 * @param headers further response headers, e.g. {@code Retry-After}
 */
public record HttpAnswer(int status, String contentType, byte[] body, Map<String, String> headers) {

    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json; charset=utf-8";

    public HttpAnswer {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("not an HTTP status: " + status);
        }
        Objects.requireNonNull(body, "body");
        headers = Map.copyOf(headers);
        if (body.length > 0 && contentType == null) {
            throw new IllegalArgumentException("a body needs a content type");
        }
    }

    /** An answer without a body (e.g. 204). */
    public static HttpAnswer empty(final int status) {
        return new HttpAnswer(status, null, new byte[0], Map.of());
    }

    /** A plain-text body, exactly as given (no line end is added). */
    public static HttpAnswer text(final int status, final String text) {
        return new HttpAnswer(status, TEXT, text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** An error for a person to read: the message on one line. */
    public static HttpAnswer error(final int status, final String message) {
        return text(status, message + "\n");
    }

    /** A JSON body. */
    public static HttpAnswer json(final int status, final String json) {
        return new HttpAnswer(status, JSON, json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** This answer with one more header. */
    public HttpAnswer withHeader(final String name, final String value) {
        final java.util.Map<String, String> more = new java.util.LinkedHashMap<>(headers);
        more.put(name, value);
        return new HttpAnswer(status, contentType, body, more);
    }

    /** The body as text, for tests and logs. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
