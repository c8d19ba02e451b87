package org.mailpush.imap.proxy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What the IMAP proxy did since it started, for metrics and tests. Thread-safe. */
public final class ProxyCounters {

    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder sessions = new LongAdder();
    private final LongAdder loginsWithUser = new LongAdder();
    private final LongAdder loginsWithoutUser = new LongAdder();
    private final LongAdder registrations = new LongAdder();
    private final LongAdder refusedRegistrations = new LongAdder();
    private final LongAdder refusedClients = new LongAdder();

    void sessionOpened() {
        open.incrementAndGet();
        sessions.increment();
    }

    void sessionClosed() {
        open.decrementAndGet();
    }

    void loggedIn(final boolean userKnown) {
        (userKnown ? loginsWithUser : loginsWithoutUser).increment();
    }

    void registered() {
        registrations.increment();
    }

    void registrationRefused() {
        refusedRegistrations.increment();
    }

    void clientRefused() {
        refusedClients.increment();
    }

    /** Sessions open now. */
    public int openSessions() {
        return open.get();
    }

    public long sessions() {
        return sessions.sum();
    }

    /** Logins whose user the proxy learned (push available). */
    public long loginsWithUser() {
        return loginsWithUser.sum();
    }

    /** Logins by a mechanism that hides the user (push unavailable in that session). */
    public long loginsWithoutUser() {
        return loginsWithoutUser.sum();
    }

    public long registrations() {
        return registrations.sum();
    }

    /** XAPPLEPUSHSERVICE answered NO or BAD. */
    public long refusedRegistrations() {
        return refusedRegistrations.sum();
    }

    /** Sessions closed for a line or literal over the limit, or refused for too many connections. */
    public long refusedClients() {
        return refusedClients.sum();
    }
}
