package org.mailpush.notifyd.event;

import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.common.mail.MailboxNames;

import java.util.Objects;
import java.util.Set;

/**
 * A device asked for push with XAPPLEPUSHSERVICE.
 *
 * @param username    the authenticated IMAP user
 * @param apsVersion  {@code aps-version}; version 1 means INBOX only
 * @param accountId   {@code aps-account-id}
 * @param deviceToken {@code aps-device-token}, canonical lower-case hex
 * @param subtopic    {@code aps-subtopic}
 * @param mailboxes   the mailboxes to watch, decoded to Unicode, INBOX normalised
 */
public record DeviceRegistration(String source, String username, int apsVersion, String accountId,
                                 String deviceToken, String subtopic, Set<String> mailboxes) implements IntakeEvent {

    public DeviceRegistration {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(subtopic, "subtopic");
        deviceToken = DeviceTokens.canonical(deviceToken);
        mailboxes = apsVersion < 2 ? Set.of(MailboxNames.INBOX) : MailboxNames.normalizeAll(mailboxes);
    }

    @Override
    public EventType type() {
        return EventType.APPLE_PUSH_SERVICE;
    }

    @Override
    public String toString() {
        return "DeviceRegistration[user=" + username + ", device=" + DeviceTokens.mask(deviceToken) + ", version="
                + apsVersion + ", mailboxes=" + mailboxes + "]";
    }
}
