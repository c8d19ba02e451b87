package org.mailpush.common.settings;

import java.net.InetSocketAddress;

/** A listen address as written in the configuration: {@code 127.0.0.1:9180}, {@code [::1]:11619}. */
public record HostPort(String host, int port) {

    /**
     * @throws IllegalArgumentException with the reason, when {@code text} is not {@code host:port}
     */
    public static HostPort parse(final String text) {
        final int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("must be host:port, like 127.0.0.1:9180, not \"" + text + "\"");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("an IPv6 address needs brackets, like [::1]:9180, not \"" + text + "\"");
        }
        // Found by ConfigFuzzTest: "[]:11619" left an empty host for the checks after this one.
        if (host.isEmpty() || host.chars().anyMatch(c -> c == '[' || c == ']' || Character.isWhitespace(c))) {
            throw new IllegalArgumentException("must be host:port with a host name or address before the port,"
                    + " like 127.0.0.1:9180 or [::1]:9180, not \"" + text + "\"");
        }
        final int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("port must be a number, not \"" + text.substring(colon + 1) + "\"");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, not " + port);
        }
        return new HostPort(host, port);
    }

    /** Whether this listens on every address of the host ({@code 0.0.0.0}, {@code ::}). */
    public boolean isWildcard() {
        return switch (host) {
            case "", "0.0.0.0", "::", "0:0:0:0:0:0:0:0" -> true;
            default -> false;
        };
    }

    /**
     * The {@code host:port} a client on this machine connects to for this listen address: a wildcard becomes
     * loopback of its family, an IPv6 address gets brackets.
     */
    public String forLocalClient() {
        final String local = switch (host) {
            case "0.0.0.0", "" -> "127.0.0.1";
            case "::", "0:0:0:0:0:0:0:0" -> "::1";
            default -> host;
        };
        return (local.contains(":") ? "[" + local + "]" : local) + ":" + port;
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
