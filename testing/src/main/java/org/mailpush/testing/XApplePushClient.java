package org.mailpush.testing;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import org.eclipse.angus.mail.iap.Argument;
import org.eclipse.angus.mail.iap.ProtocolException;
import org.eclipse.angus.mail.iap.Response;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPStore;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A real IMAP client (Angus Mail, the Jakarta Mail implementation) that logs in and sends XAPPLEPUSHSERVICE as iOS
 * Mail does. {@link #store()} gives the whole client for SELECT, FETCH, APPEND, IDLE.
 */
public final class XApplePushClient implements AutoCloseable {

    /** How the client reaches the server and logs in. */
    public enum Security { PLAIN, STARTTLS, TLS }

    /** How it authenticates. */
    public enum Login {
        /** The LOGIN command. */
        LOGIN_COMMAND,
        /** AUTHENTICATE PLAIN, with the initial response when the server offers SASL-IR. */
        AUTHENTICATE_PLAIN,
        /** AUTHENTICATE LOGIN (the mechanism). */
        AUTHENTICATE_LOGIN
    }

    private final IMAPStore store;

    public XApplePushClient(final int port, final String user, final String password) throws MessagingException {
        this(port, user, password, Security.PLAIN, Login.LOGIN_COMMAND, null);
    }

    /**
     * @param trustedCa a PEM CA to trust for TLS and STARTTLS, {@code null} for the system's
     */
    public XApplePushClient(final int port, final String user, final String password, final Security security,
                            final Login login, final Path trustedCa) throws MessagingException {
        this(port, user, password, security, login, trustedCa, new Properties());
    }

    /** As above, with further Jakarta Mail properties (e.g. {@code mail.imaps.compress.enable}). */
    public XApplePushClient(final int port, final String user, final String password, final Security security,
                            final Login login, final Path trustedCa, final Properties extra)
            throws MessagingException {
        final String protocol = security == Security.TLS ? "imaps" : "imap";
        final Properties properties = new Properties();
        properties.putAll(extra);
        properties.put("mail." + protocol + ".connectiontimeout", "10000");
        properties.put("mail." + protocol + ".timeout", "20000");
        if (security == Security.STARTTLS) {
            properties.put("mail.imap.starttls.enable", "true");
            properties.put("mail.imap.starttls.required", "true");
        }
        if (trustedCa != null) {
            properties.put("mail." + protocol + ".ssl.socketFactory", sslContext(trustedCa).getSocketFactory());
            properties.put("mail." + protocol + ".ssl.checkserveridentity", "true");
        }
        switch (login) {
            case LOGIN_COMMAND -> {
                for (final String mechanism : List.of("login", "plain", "digest-md5", "ntlm", "xoauth2")) {
                    properties.put("mail." + protocol + ".auth." + mechanism + ".disable", "true");
                }
            }
            case AUTHENTICATE_PLAIN -> properties.put("mail." + protocol + ".auth.mechanisms", "PLAIN");
            case AUTHENTICATE_LOGIN -> properties.put("mail." + protocol + ".auth.mechanisms", "LOGIN");
            default -> throw new IllegalArgumentException(String.valueOf(login));
        }
        store = (IMAPStore) Session.getInstance(properties).getStore(protocol);
        store.connect("127.0.0.1", port, user, password);
    }

    private static SSLContext sslContext(final Path ca) throws MessagingException {
        try (InputStream in = Files.newInputStream(ca)) {
            final KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            final TrustManagerFactory factory = TrustManagerFactory.getInstance(
                    TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (final IOException | GeneralSecurityException e) {
            throw new MessagingException("cannot trust " + ca, e);
        }
    }

    public IMAPStore store() {
        return store;
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

    /**
     * Sends one command line as it is (for malformed commands {@link #register} cannot write) and returns the tagged
     * answer without its tag, e.g. {@code "BAD [...] ..."}.
     */
    public String command(final String line) throws MessagingException {
        final IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
        return (String) inbox.doCommand(protocol -> {
            final Response[] responses = protocol.command(line, null);
            final Response last = responses[responses.length - 1];
            return last.toString().substring(last.getTag().length() + 1);
        });
    }

    @Override
    public void close() throws MessagingException {
        store.close();
    }
}
