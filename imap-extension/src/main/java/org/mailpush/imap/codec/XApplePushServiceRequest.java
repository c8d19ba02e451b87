package org.mailpush.imap.codec;

import org.mailpush.common.mail.DeviceTokens;

import java.util.List;

/**
 * An {@code XAPPLEPUSHSERVICE} command as a device sent it.
 *
 * @param version   {@code aps-version}; 1 means INBOX only
 * @param mailboxes the {@code mailboxes} list as sent (modified UTF-7 names), empty when absent
 */
public record XApplePushServiceRequest(String tag, int version, String accountId, String deviceToken,
                                       String subtopic, List<String> mailboxes) {

    public XApplePushServiceRequest {
        mailboxes = List.copyOf(mailboxes);
    }

    @Override
    public String toString() {
        return "XApplePushServiceRequest[tag=" + tag + ", version=" + version + ", device="
                + DeviceTokens.mask(deviceToken) + ", mailboxes=" + mailboxes + "]";
    }
}
