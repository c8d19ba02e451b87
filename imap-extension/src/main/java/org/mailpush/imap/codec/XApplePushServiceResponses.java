package org.mailpush.imap.codec;

import java.util.List;

/**
 * Writes the answer to {@code XAPPLEPUSHSERVICE} the way Cyrus 3.6.1 does, byte for byte: one
 * {@code * XAPPLEPUSHSERVICE "mailbox" "<name>"} line per confirmed mailbox (none for version 1), then
 * {@code * XAPPLEPUSHSERVICE "aps-version" "<v>" "aps-topic" "<topic>"}, then {@code <tag> OK XAPPLEPUSHSERVICE
 * completed.}. iOS pushes only the mailboxes confirmed here.
 */
public final class XApplePushServiceResponses {

    private XApplePushServiceResponses() {
    }

    public static String success(final XApplePushServiceRequest request, final List<String> confirmedMailboxes,
                                 final String topic) {
        final StringBuilder out = new StringBuilder();
        if (request.version() >= 2) {
            for (final String mailbox : confirmedMailboxes) {
                out.append("* XAPPLEPUSHSERVICE \"mailbox\" ").append(ImapQuoting.string(mailbox)).append("\r\n");
            }
        }
        out.append("* XAPPLEPUSHSERVICE \"aps-version\" \"").append(request.version()).append("\" \"aps-topic\" ")
                .append(ImapQuoting.string(topic)).append("\r\n");
        out.append(request.tag()).append(" OK XAPPLEPUSHSERVICE completed.\r\n");
        return out.toString();
    }
}
