package org.mailpush.server.config;

/**
 * The configuration cannot be used. The message is one line that names the file, the key and the problem, e.g.
 * {@code mailpush.yaml: apns.port: must be a number in 1..65535, not "https"}; it is printed as is, without a
 * stack trace.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    public ConfigException(final String message) {
        super(message);
    }

    public ConfigException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
