package org.mailpush.imap.proxy;

import java.util.List;
import java.util.function.Supplier;

import static org.mailpush.imap.proxy.ClientReadGate.Reason;

/**
 * The session's side of XAPPLEPUSHSERVICE, read whole: admitted or refused
 * ({@link XApplePushServiceProcessor#admit}: a login that named its user, a command that parses, registrations left
 * in the session), then answered by the {@link XApplePushServiceProcessor} once nothing is outstanding at the server,
 * the client read no further until it has answered. Each outcome is counted.
 *
 * <p>Not thread-safe: one per session, on the session's event loop.</p>
 */
final class XApplePushServiceCommand {

    private final ClientCommandReader reader;
    private final int maxRegistrations;
    private final ProxyCounters counters;
    private final LoginTracker login;
    private final ClientLeg client;
    private final XApplePushServiceProcessor processor;
    private final Supplier<List<String>> capabilitiesSinceLogin;

    private int registrations;

    /** @param capabilitiesSinceLogin what the server stated since the login, {@code null} when unknown */
    XApplePushServiceCommand(final ClientCommandReader reader, final int maxRegistrations,
                             final ProxyCounters counters, final LoginTracker login, final ClientLeg client,
                             final XApplePushServiceProcessor processor,
                             final Supplier<List<String>> capabilitiesSinceLogin) {
        this.reader = reader;
        this.maxRegistrations = maxRegistrations;
        this.counters = counters;
        this.login = login;
        this.client = client;
        this.processor = processor;
        this.capabilitiesSinceLogin = capabilitiesSinceLogin;
    }

    /** @param command the whole command, literals inline; {@code null} when it was longer than the bound */
    void answer(final String tag, final byte[] command) {
        final XApplePushServiceProcessor.Admission admission = XApplePushServiceProcessor.admit(tag, command, login,
                registrations, maxRegistrations);
        if (admission.refusal() != null) {
            if (login.authenticated()) {
                counters.registrationRefused();
            }
            client.reply(admission.refusal(), null);
            return;
        }
        registrations++;
        client.gate().hold(Reason.REGISTRATION);
        reader.whenQuiet(() -> processor.start(admission.request(), login.user(), capabilitiesSinceLogin.get(),
                (answer, outcome) -> {
                    if (outcome == XApplePushServiceProcessor.Outcome.REGISTERED) {
                        counters.registered();
                    } else {
                        counters.registrationRefused();
                    }
                    client.reply(answer, null);
                    client.gate().release(Reason.REGISTRATION);
                }));
    }
}
