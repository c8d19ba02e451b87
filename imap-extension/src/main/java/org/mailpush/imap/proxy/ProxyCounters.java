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
    private final LongAdder refusedForAddress = new LongAdder();
    private final LongAdder loginTimeouts = new LongAdder();
    private final LongAdder protocolViolations = new LongAdder();
    private final LongAdder compressed = new LongAdder();

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

    void clientRefusedForAddress() {
        refusedForAddress.increment();
    }

    void loginTimedOut() {
        loginTimeouts.increment();
    }

    void protocolViolation() {
        protocolViolations.increment();
    }

    void compressionStarted() {
        compressed.increment();
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

    /** Connections refused because their address had its share of the connections already. */
    public long refusedForAddress() {
        return refusedForAddress.sum();
    }

    /** Sessions closed for not logging in within the login timeout. */
    public long loginTimeouts() {
        return loginTimeouts.sum();
    }

    /** Sessions whose client leg the proxy compresses (COMPRESS DEFLATE). */
    public long compressedSessions() {
        return compressed.sum();
    }

    /**
     * Commands refused as protocol violations a real client does not commit: a tag already in use, a malformed tag,
     * a second login, bytes after STARTTLS, anything but DONE during IDLE.
     */
    public long protocolViolations() {
        return protocolViolations.sum();
    }
}
