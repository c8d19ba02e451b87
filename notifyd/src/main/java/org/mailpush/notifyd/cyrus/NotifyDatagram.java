package org.mailpush.notifyd.cyrus;

import java.util.List;
import java.util.Objects;

/**
 * One notification as Cyrus's {@code notify_at} client sends it to the notify socket in datagram mode:
 * {@code METHOD \0 CLASS \0 PRIORITY \0 USER \0 MAILBOX \0 NOPT \0 (OPTION \0)*NOPT MESSAGE \0 [FNAME \0]}.
 * For mailstore events the method is the {@code event_notifier} of imapd.conf, the class {@code EVENT} and the
 * message the event JSON.
 *
 * @param fileName the optional trailing FNAME field, {@code null} when absent
 */
record NotifyDatagram(String method, String notifyClass, String priority, String user, String mailbox,
                      List<String> options, String message, String fileName) {

    NotifyDatagram {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(notifyClass, "notifyClass");
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(mailbox, "mailbox");
        Objects.requireNonNull(message, "message");
        options = List.copyOf(options);
    }

    /** The datagram wire form of this notification, which {@link NotifyDatagramParser} reads back. */
    byte[] encode() {
        final StringBuilder out = new StringBuilder(message.length() + 64);
        for (final String field : List.of(method, notifyClass, priority, user, mailbox,
                String.valueOf(options.size()))) {
            out.append(field).append('\0');
        }
        for (final String option : options) {
            out.append(option).append('\0');
        }
        out.append(message).append('\0');
        if (fileName != null) {
            out.append(fileName).append('\0');
        }
        return out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
