package org.mailpush.server.interop;

import org.eclipse.angus.mail.iap.Argument;
import org.eclipse.angus.mail.iap.ProtocolException;
import org.eclipse.angus.mail.iap.Response;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPStore;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A real IMAP client (Angus Mail, the Jakarta Mail implementation) logging in and sending XAPPLEPUSHSERVICE as iOS
 * Mail does.
 */
public final class XApplePushClient implements AutoCloseable {

    private final IMAPStore store;

    public XApplePushClient(final int port, final String user, final String password) throws MessagingException {
        final Properties properties = new Properties();
        properties.put("mail.imap.connectiontimeout", "10000");
        properties.put("mail.imap.timeout", "10000");
        store = (IMAPStore) Session.getInstance(properties).getStore("imap");
        store.connect("127.0.0.1", port, user, password);
    }

    public boolean hasCapability(final String capability) throws MessagingException {
        return store.hasCapability(capability);
    }

    /**
     * Sends {@code XAPPLEPUSHSERVICE aps-version 2 aps-account-id .. aps-device-token .. aps-subtopic
     * com.apple.mobilemail mailboxes (...)} and returns the untagged response lines.
     *
     * @throws MessagingException when the server answers NO or BAD
     */
    public List<String> register(final String accountId, final String deviceToken, final String... mailboxes)
            throws MessagingException {
        final IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
        final Object result = inbox.doCommand(protocol -> {
            final Argument args = new Argument();
            args.writeAtom("aps-version");
            args.writeAtom("2");
            args.writeAtom("aps-account-id");
            args.writeString(accountId);
            args.writeAtom("aps-device-token");
            args.writeString(deviceToken);
            args.writeAtom("aps-subtopic");
            args.writeAtom("com.apple.mobilemail");
            args.writeAtom("mailboxes");
            final Argument list = new Argument();
            for (final String mailbox : mailboxes) {
                list.writeString(mailbox);
            }
            args.writeArgument(list);
            final Response[] responses = protocol.command("XAPPLEPUSHSERVICE", args);
            final Response last = responses[responses.length - 1];
            if (!last.isOK()) {
                throw new ProtocolException(last.toString());
            }
            final List<String> untagged = new ArrayList<>();
            for (final Response response : responses) {
                if (response.isUnTagged()) {
                    untagged.add(response.toString());
                }
            }
            return untagged;
        });
        @SuppressWarnings("unchecked")
        final List<String> lines = (List<String>) result;
        return lines;
    }

    @Override
    public void close() throws MessagingException {
        store.close();
    }
}
