package org.mailpush.notifyd.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * What an {@link HttpEndpoint} answers: a status, and a body with its media type (none for an empty body).
 *
 * @param headers further response headers, e.g. {@code Retry-After}
 * @param reason  the status line's reason phrase, {@code null} for the standard one ({@code Bad Request})
 */
public record HttpAnswer(int status, String contentType, byte[] body, Map<String, String> headers, String reason) {

    /** The longest reason phrase sent; a status line is not the place for a paragraph. */
    static final int MAX_REASON = 120;

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
        if (reason != null && !reason.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("a reason phrase is printable ASCII");
        }
    }

    /** An answer without a body (e.g. 204). */
    public static HttpAnswer empty(final int status) {
        return new HttpAnswer(status, null, new byte[0], Map.of(), null);
    }

    /** A plain-text body, exactly as given (no line end is added). */
    public static HttpAnswer text(final int status, final String text) {
        return new HttpAnswer(status, TEXT, text.getBytes(StandardCharsets.UTF_8), Map.of(), null);
    }

    /** An error for a person to read: the message on one line. */
    public static HttpAnswer error(final int status, final String message) {
        return text(status, message + "\n");
    }

    /** A JSON body. */
    public static HttpAnswer json(final int status, final String json) {
        return new HttpAnswer(status, JSON, json.getBytes(StandardCharsets.UTF_8), Map.of(), null);
    }

    /** This answer with one more header. */
    public HttpAnswer withHeader(final String name, final String value) {
        final java.util.Map<String, String> more = new java.util.LinkedHashMap<>(headers);
        more.put(name, value);
        return new HttpAnswer(status, contentType, body, more, reason);
    }

    /**
     * This answer with {@code text} after the standard phrase in its status line ({@code 400 Bad Request: ...}), for
     * clients that log only the status line: the xaps plugin logs {@code Error when sending notification: <status
     * line>} and nothing of the body. Anything but printable ASCII becomes {@code ?}; the phrase is cut at
     * {@value #MAX_REASON} characters.
     */
    public HttpAnswer withReason(final String text) {
        final StringBuilder phrase = new StringBuilder(io.netty.handler.codec.http.HttpResponseStatus.valueOf(status)
                .reasonPhrase()).append(": ");
        text.strip().replace("…", "...").chars().forEach(c -> phrase.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
        final String cut = phrase.length() > MAX_REASON ? phrase.substring(0, MAX_REASON) : phrase.toString();
        return new HttpAnswer(status, contentType, body, headers, cut);
    }

    /** The body as text, for tests and logs. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
