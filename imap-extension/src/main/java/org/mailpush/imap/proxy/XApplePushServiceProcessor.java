package org.mailpush.imap.proxy;

import org.mailpush.imap.codec.ImapQuoting;
import org.mailpush.imap.codec.ImapReply;
import org.mailpush.imap.codec.ImapSyntaxException;
import org.mailpush.imap.codec.MailboxAccessResponses;
import org.mailpush.imap.codec.XApplePushServiceParser;
import org.mailpush.imap.codec.XApplePushServiceRequest;
import org.mailpush.imap.codec.XApplePushServiceResponses;
import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.common.mail.MailboxNames;
import org.mailpush.common.mail.ModifiedUtf7;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationLimitException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Answers one {@code XAPPLEPUSHSERVICE} command in place of the server, which does not know it. Before confirming a
 * mailbox for push it asks the server, in the client's own session, whether the user may <em>read</em> it (seeing
 * its name is not enough; Cyrus's CVE-2026-47081 confirmed mailboxes by visibility):
 * <ol>
 *   <li>{@code CAPABILITY}, unless the server stated its capabilities since the login;</li>
 *   <li>{@code NAMESPACE} when offered: a mailbox in another user's or a shared namespace is never confirmed. Its
 *       events carry its owner, not the subscriber, so mailpush could never route them to this device; unconfirmed,
 *       the phone polls that folder as it would without push;</li>
 *   <li>per requested mailbox (at most {@value #MAX_CHECKED_MAILBOXES}): {@code MYRIGHTS} when the server offers ACL,
 *       which must include the {@code r} right, then {@code STATUS (MESSAGES)}, which must succeed: the mailbox
 *       exists (Dovecot answers MYRIGHTS for one that does not), and servers refuse STATUS without the read right
 *       (RFC 4314 §4).</li>
 * </ol>
 * Then it stores the registration under the session's user, with the confirmed mailboxes, and answers in Cyrus's
 * form ({@link XApplePushServiceResponses}).
 *
 * <p>The session starts it only when no command of the client's is outstanding and reads nothing from the client
 * until it has answered. Runs on the session's event loop; the store is called through the
 * {@link RegistrationSink}, off that loop, and its answer comes back onto it.</p>
 */
final class XApplePushServiceProcessor {

    /** Mailboxes checked per registration; iOS asks for the folders the user enabled, a handful. */
    static final int MAX_CHECKED_MAILBOXES = 100;

    private static final Logger LOG = LoggerFactory.getLogger(XApplePushServiceProcessor.class);

    /** Sends one of the proxy's commands (without tag) and routes its answers to the handler. */
    interface Commands {
        void send(String command, ProxyCommands.Handler handler);
    }

    /** How a registration ended, for the counters. */
    enum Outcome { REGISTERED, REFUSED }

    /** A command the session may run ({@code request}), or the answer that refuses it ({@code refusal}). */
    record Admission(XApplePushServiceRequest request, String refusal) {
    }

    /**
     * Whether a whole XAPPLEPUSHSERVICE command can be answered in this session: it needs a login that named its
     * user, a command that parses, and registrations left in the session.
     *
     * @param command       the command, literals inline; {@code null} when it was longer than the bound
     * @param registrations how many this session has had
     */
    static Admission admit(final String tag, final byte[] command, final LoginTracker login, final int registrations,
                           final int maxRegistrations) {
        if (command == null) {
            return new Admission(null, tag + " BAD [TOOBIG] Command too long\r\n");
        }
        if (!login.authenticated()) {
            return new Admission(null, tag + " BAD Please login first\r\n");
        }
        if (login.user() == null) {
            return new Admission(null, tag + " NO [UNAVAILABLE] Push is not available: this login does not say who"
                    + " you are\r\n");
        }
        if (registrations >= maxRegistrations) {
            // Before parsing: a session at its limit costs no more work per command, however long the command.
            return new Admission(null, tag + " NO [LIMIT] Too many XAPPLEPUSHSERVICE commands in this session\r\n");
        }
        try {
            return new Admission(XApplePushServiceParser.parse(command), null);
        } catch (final ImapReply answer) {
            return new Admission(null, answer.line(tag));
        }
    }

    /** The answer to write to the client, and how it ended. */
    interface Done {
        void answer(String reply, Outcome outcome);
    }

    private final Commands commands;
    private final RegistrationSink sink;
    private final Executor eventLoop;
    private final Clock clock;

    private XApplePushServiceRequest request;
    private String user;
    private List<String> capabilities;
    private Done done;
    private MailboxAccessResponses.Namespaces namespaces;
    private final Deque<String> toCheck = new ArrayDeque<>();
    private final List<String> confirmed = new ArrayList<>();

    XApplePushServiceProcessor(final Commands commands, final RegistrationSink sink, final Executor eventLoop,
                               final Clock clock) {
        this.commands = commands;
        this.sink = sink;
        this.eventLoop = eventLoop;
        this.clock = clock;
    }

    /**
     * Checks the requested mailboxes, stores the registration and answers through {@code done}.
     *
     * @param capabilities what the server stated since the login, upper-cased; {@code null} when unknown
     */
    void start(final XApplePushServiceRequest command, final String sessionUser, final List<String> capabilities,
               final Done answer) {
        this.request = command;
        this.user = sessionUser;
        this.capabilities = capabilities;
        this.done = answer;
        this.namespaces = null;
        this.toCheck.clear();
        this.confirmed.clear();
        if (command.version() == 1) {
            // Version 1 is INBOX only; the user's own INBOX is theirs to read.
            confirmed.add(MailboxNames.INBOX);
            store();
            return;
        }
        if (command.mailboxes().isEmpty()) {
            store();
            return;
        }
        if (capabilities == null) {
            commands.send("CAPABILITY", new Collecting("CAPABILITY") {
                @Override
                void finished(final boolean ok, final List<byte[]> responses, final List<String> stated) {
                    XApplePushServiceProcessor.this.capabilities = capabilitiesOf(responses);
                    namespaces();
                }
            });
            return;
        }
        namespaces();
    }

    private static List<String> capabilitiesOf(final List<byte[]> responses) {
        final List<String> all = new ArrayList<>();
        for (final byte[] response : responses) {
            if (response == null) {
                continue; // over the bound: whatever it stated is not read, so not relied on
            }
            all.addAll(org.mailpush.imap.codec.CapabilityRewriter.stated(
                    new String(response, StandardCharsets.UTF_8)));
        }
        return all;
    }

    private void namespaces() {
        if (!capabilities.contains("NAMESPACE")) {
            checkMailboxes();
            return;
        }
        commands.send("NAMESPACE", new Collecting("NAMESPACE") {
            @Override
            void finished(final boolean ok, final List<byte[]> responses, final List<String> stated) {
                if (ok && responses.size() == 1 && responses.get(0) != null) {
                    try {
                        namespaces = MailboxAccessResponses.namespaces(responses.get(0));
                    } catch (final ImapSyntaxException e) {
                        LOG.debug("IMAP proxy could not read the server's NAMESPACE: {}", e.getMessage());
                    }
                }
                checkMailboxes();
            }
        });
    }

    private void checkMailboxes() {
        final LinkedHashSet<String> wanted = new LinkedHashSet<>(request.mailboxes());
        for (final String mailbox : wanted) {
            if (toCheck.size() >= MAX_CHECKED_MAILBOXES) {
                break;
            }
            if (namespaces != null && namespaces.notPersonal(mailbox)) {
                LOG.debug("IMAP proxy: {} is in another user's or a shared namespace; not confirmed", mailbox);
                continue;
            }
            if (!ImapQuoting.quotable(mailbox)) {
                continue; // modified UTF-7 names are 7-bit; anything else is not a mailbox the phone can have
            }
            toCheck.add(mailbox);
        }
        next();
    }

    private void next() {
        final String mailbox = toCheck.poll();
        if (mailbox == null) {
            store();
            return;
        }
        if (!capabilities.contains("ACL")) {
            status(mailbox);
            return;
        }
        commands.send("MYRIGHTS " + ImapQuoting.quoted(mailbox), new Collecting("MYRIGHTS") {
            @Override
            void finished(final boolean ok, final List<byte[]> responses, final List<String> stated) {
                if (ok && mayRead(mailbox, responses)) {
                    // Dovecot answers MYRIGHTS for a mailbox that does not exist (the rights it would have):
                    // STATUS says whether it does.
                    status(mailbox);
                } else {
                    next();
                }
            }
        });
    }

    /** Confirms the mailbox when STATUS on it succeeds: it exists, and servers refuse STATUS without read right. */
    private void status(final String mailbox) {
        commands.send("STATUS " + ImapQuoting.quoted(mailbox) + " (MESSAGES)", new Collecting("STATUS") {
            @Override
            boolean claimsResponse(final String firstLine) {
                // A NOTIFY client gets unsolicited STATUS for other mailboxes meanwhile: those are the client's.
                try {
                    return MailboxAccessResponses.statusMailbox(firstLine.getBytes(StandardCharsets.UTF_8))
                            .equals(mailbox);
                } catch (final ImapSyntaxException e) {
                    return firstLine.stripTrailing().endsWith("}"); // the name is a literal: ours, by elimination
                }
            }

            @Override
            void finished(final boolean ok, final List<byte[]> responses, final List<String> stated) {
                if (ok) {
                    confirmed.add(mailbox);
                }
                next();
            }
        });
    }

    private static boolean mayRead(final String mailbox, final List<byte[]> responses) {
        for (final byte[] response : responses) {
            if (response == null) {
                continue;
            }
            try {
                final MailboxAccessResponses.MyRights rights = MailboxAccessResponses.myRights(response);
                if (MailboxNames.normalize(rights.mailbox()).equals(MailboxNames.normalize(mailbox))) {
                    return rights.mayRead();
                }
            } catch (final ImapSyntaxException e) {
                LOG.debug("IMAP proxy could not read a MYRIGHTS response: {}", e.getMessage());
            }
        }
        return false;
    }

    private void store() {
        final List<String> unicode = confirmed.stream().map(ModifiedUtf7::decodeOrKeep).toList();
        final Registration registration = Registration.of(user, request.accountId(), request.deviceToken(),
                request.subtopic(), request.version(), new LinkedHashSet<>(unicode), sink.topic(), clock.instant());
        final XApplePushServiceRequest answered = request;
        final List<String> confirmedNames = List.copyOf(confirmed);
        final String registeredUser = user;
        sink.register(registration).whenComplete((ignored, error) -> eventLoop.execute(() -> {
            final Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof RegistrationLimitException limit) {
                LOG.warn("IMAP proxy refused device {}: {}", DeviceTokens.mask(answered.deviceToken()),
                        limit.getMessage());
                done.answer(answered.tag() + " NO [LIMIT] Too many devices are registered for push for this"
                        + " account\r\n", Outcome.REFUSED);
            } else if (error != null) {
                LOG.error("IMAP proxy could not store the registration of device {} of {}: {}",
                        DeviceTokens.mask(answered.deviceToken()), registeredUser, cause.getMessage());
                done.answer(answered.tag() + " NO [SERVERBUG] The registration could not be stored\r\n",
                        Outcome.REFUSED);
            } else {
                LOG.info("IMAP proxy: device {} of {} registered for {}", DeviceTokens.mask(answered.deviceToken()),
                        registeredUser, unicode);
                done.answer(XApplePushServiceResponses.success(answered, confirmedNames, sink.topic()),
                        Outcome.REGISTERED);
            }
        }));
    }

    /** A handler that keeps the untagged responses named {@code name} and reports them with the tagged answer. */
    private abstract static class Collecting implements ProxyCommands.Handler {

        private final String name;
        private final List<byte[]> responses = new ArrayList<>();

        Collecting(final String name) {
            this.name = name;
        }

        /** Whether a response of this command's name is its answer (more checks than the name, if needed). */
        boolean claimsResponse(final String firstLine) {
            return true;
        }

        abstract void finished(boolean ok, List<byte[]> responses, List<String> stated);

        @Override
        public boolean claims(final ServerResponseTracker.Response response, final String firstLine) {
            return response.kind() == ServerResponseTracker.Kind.DATA
                    && name.equals(response.status().toUpperCase(Locale.ROOT)) && claimsResponse(firstLine);
        }

        @Override
        public void untagged(final byte[] response) {
            responses.add(response);
        }

        @Override
        public void tagged(final ServerResponseTracker.Response response, final String line,
                           final List<String> capabilities) {
            finished(response.ok(), responses, capabilities);
        }
    }
}
