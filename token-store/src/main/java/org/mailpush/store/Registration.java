package org.mailpush.store;

import org.mailpush.common.mail.MailboxNames;
import org.mailpush.common.mail.DeviceTokens;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One device's request for mail push, as made by {@code XAPPLEPUSHSERVICE}: the IMAP user, the APS account id the
 * phone put in the payload, its device token, the subtopic, the mailboxes it asked to be watched and the APNs topic
 * it was registered under. Identified by {@link #key()}: (account id, device token).
 *
 * @param username        the IMAP user that registered (the mailbox owner pushes are routed by)
 * @param accountId       {@code aps-account-id}: echoed back in every push payload
 * @param deviceToken     {@code aps-device-token}, lower-case hex
 * @param subtopic        {@code aps-subtopic}, {@code com.apple.mobilemail} for Mail
 * @param apsVersion      {@code aps-version}; 1 means INBOX only
 * @param mailboxes       the watched mailboxes, client-visible names, INBOX normalised (see {@link MailboxNames})
 * @param topic           the APNs topic the registration was answered with; {@code null} when not known
 * @param firstRegistered when the store first saw this key
 * @param lastRegistered  when the device last (re-)registered
 */
public record Registration(String username, String accountId, String deviceToken, String subtopic, int apsVersion,
                           Set<String> mailboxes, String topic, Instant firstRegistered, Instant lastRegistered)
        implements PushTarget {

    public Registration {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(deviceToken, "deviceToken");
        Objects.requireNonNull(subtopic, "subtopic");
        Objects.requireNonNull(lastRegistered, "lastRegistered");
        mailboxes = MailboxNames.normalizeAll(mailboxes);
        if (firstRegistered == null) {
            firstRegistered = lastRegistered;
        }
    }

    /** A registration as a device just made it: first and last registered are both {@code now}. */
    public static Registration of(final String username, final String accountId, final String deviceToken,
                                  final String subtopic, final int apsVersion, final Set<String> mailboxes,
                                  final String topic, final Instant now) {
        return new Registration(username, accountId, deviceToken, subtopic, apsVersion, mailboxes, topic, now, now);
    }

    @Override
    public RegistrationKey key() {
        return new RegistrationKey(accountId, deviceToken);
    }

    @Override
    public Kind kind() {
        return Kind.MAIL;
    }

    @Override
    public String owner() {
        return username;
    }

    /** Whether a change in {@code mailbox} (client-visible name) concerns this registration. */
    public boolean watches(final String mailbox) {
        return MailboxNames.watches(mailboxes, mailbox, MailboxNames.NO_SEPARATOR);
    }

    /**
     * Whether a change in {@code mailbox}, named as the server does (below the owner's INBOX, with the server's
     * hierarchy {@code separator}), concerns this registration: {@link MailboxNames#clientNames}.
     */
    public boolean watches(final String mailbox, final char separator) {
        return MailboxNames.watches(mailboxes, mailbox, separator);
    }

    @Override
    public String toString() {
        // Never print a whole device token: it is what lets anyone with the credential reach the phone.
        return "Registration[user=" + username + ", device=" + DeviceTokens.mask(deviceToken) + ", mailboxes="
                + mailboxes + ", lastRegistered=" + lastRegistered + "]";
    }
}
