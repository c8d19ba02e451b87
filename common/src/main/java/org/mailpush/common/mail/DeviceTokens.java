package org.mailpush.common.mail;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Device token rules shared by every module: the canonical form (lower-case hex) and the masked form that is the
 * only one allowed in logs, errors and pages.
 */
public final class DeviceTokens {

    /** APNs tokens are 64 hex digits today; accept any even length up to 200 so a longer token still works. */
    private static final Pattern HEX = Pattern.compile("(?:[0-9a-fA-F]{2}){8,100}");
    private static final int SHOWN = 8;

    private DeviceTokens() {
    }

    /** Whether {@code token} looks like a device token: hex digits, an even number, between 16 and 200. */
    public static boolean isValid(final String token) {
        return token != null && HEX.matcher(token).matches();
    }

    /**
     * The canonical form used for storage and for APNs: lower case.
     *
     * @throws IllegalArgumentException when the token is not hex; the message carries only the masked token
     */
    public static String canonical(final String token) {
        if (!isValid(token)) {
            throw new IllegalArgumentException("device token " + mask(token) + " is not hex of a plausible length");
        }
        return token.toLowerCase(Locale.ROOT);
    }

    /** The first eight characters followed by an ellipsis: the only form of a token fit for a log line. */
    public static String mask(final String token) {
        if (token == null) {
            return "null";
        }
        return token.length() <= SHOWN ? token + "…" : token.substring(0, SHOWN) + "…";
    }
}
