package org.mailpush.server.config;

/**
 * The configuration cannot be used. The message is one line that names the file, the key and the problem, e.g.
 * {@code mailpush.yaml: apns.port: must be a number in 1..65535, not "https"}; it is printed as is, without a
 * stack trace.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    public ConfigException(final String message) {
        super(oneLine(message));
    }

    public ConfigException(final String message, final Throwable cause) {
        super(oneLine(message), cause);
    }

    /**
     * Messages quote what the file said; a quoted value with line breaks or other control characters (found by
     * fuzzing) would break the one-line promise and could forge log lines, so they are escaped.
     */
    static String oneLine(final String message) {
        if (message == null) {
            return null;
        }
        final StringBuilder line = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            final char c = message.charAt(i);
            switch (c) {
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        line.append(String.format("\\u%04x", (int) c));
                    } else {
                        line.append(c);
                    }
                }
            }
        }
        return line.toString();
    }
}
