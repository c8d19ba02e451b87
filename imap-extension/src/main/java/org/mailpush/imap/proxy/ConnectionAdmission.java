package org.mailpush.imap.proxy;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who may open a session: at most {@code maxConnections} at once, and at most {@code maxPerAddress} of them from one
 * client address, so one address (one attacker, one broken client) cannot take every slot. Carrier-grade NAT puts
 * many phones behind one IPv4 address: the per-address share is a tenth of the total by default, not a handful. An
 * IPv6 client is given a whole /64 (RFC 6177) and may use any address in it, so for IPv6 the share is per /64
 * prefix, not per address (an IPv4-mapped IPv6 address counts as its IPv4 address).
 *
 * <p>Thread-safe: the acceptor and the event loops call it concurrently. An admitted connection must be
 * {@link #release released} exactly once, when it closes.</p>
 */
final class ConnectionAdmission {

    /** Why a connection was or was not let in. */
    enum Verdict { ADMITTED, TOO_MANY, TOO_MANY_FROM_ADDRESS }

    private final int maxConnections;
    private final int maxPerAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<Object, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    ConnectionAdmission(final int maxConnections, final int maxPerAddress) {
        if (maxConnections < 1 || maxPerAddress < 1) {
            throw new IllegalArgumentException("connection limits must be at least 1");
        }
        this.maxConnections = maxConnections;
        this.maxPerAddress = maxPerAddress;
    }

    /** Counts the connection in when there is room for it. */
    Verdict admit(final InetAddress address) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            return Verdict.TOO_MANY;
        }
        final boolean[] admitted = new boolean[1];
        perAddress.compute(shareKey(address), (key, count) -> {
            final AtomicInteger counter = count == null ? new AtomicInteger() : count;
            admitted[0] = counter.get() < maxPerAddress;
            if (admitted[0]) {
                counter.incrementAndGet();
            }
            return counter.get() == 0 ? null : counter;
        });
        if (!admitted[0]) {
            open.decrementAndGet();
            return Verdict.TOO_MANY_FROM_ADDRESS;
        }
        return Verdict.ADMITTED;
    }

    /** An admitted connection closed. */
    void release(final InetAddress address) {
        open.decrementAndGet();
        perAddress.computeIfPresent(shareKey(address), (key, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    /** What one share is counted by: the IPv4 address, or the /64 prefix of an IPv6 one. */
    static Object shareKey(final InetAddress address) {
        final byte[] bytes = address.getAddress();
        if (bytes.length == 16) {
            // Java turns IPv4-mapped addresses into Inet4Address already; anything 16 bytes long is IPv6 proper.
            return java.nio.ByteBuffer.wrap(bytes, 0, 8).getLong();
        }
        return address;
    }

    /** Connections admitted and open now. */
    int open() {
        return open.get();
    }

    /** Addresses with an admitted connection open, for tests (the map must not grow with addresses gone). */
    int addresses() {
        return perAddress.size();
    }
}
