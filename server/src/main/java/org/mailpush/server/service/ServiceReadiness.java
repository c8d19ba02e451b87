package org.mailpush.server.service;

import org.mailpush.imap.proxy.ImapProxyServer;
import org.mailpush.notifyd.http.HttpIntakeServer;
import org.mailpush.pusher.ApnsPusher;
import org.mailpush.pusher.CredentialStatus;
import org.mailpush.server.ops.Readiness;
import org.mailpush.store.TokenStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code /readyz} reports of a running mailpush, read from its parts each time it is asked. Stateless. */
final class ServiceReadiness {

    private ServiceReadiness() {
    }

    /** What {@code /readyz} reports: store reachable, at least one usable unexpired credential, socket open. */
    static Readiness of(final TokenStore store, final ApnsPusher pusher, final boolean cyrusConfigured,
                               final java.util.function.BooleanSupplier socket, final ImapProxyServer imapProxy,
                               final Map<String, HttpIntakeServer> httpDoors) {
        final List<String> problems = new ArrayList<>();
        final Map<String, Object> checks = new LinkedHashMap<>();
        final boolean storeUp = store.isReachable();
        checks.put("store", storeUp ? "reachable" : "unreachable");
        if (!storeUp) {
            problems.add("the token store is unreachable");
        }
        if (pusher == null) {
            // The intake of a split install: the credentials are the pusher process's business.
            checks.put("credentials", "held by the pusher process");
        } else {
            credentials(pusher, checks, problems);
        }
        if (cyrusConfigured) {
            final boolean open = socket != null && socket.getAsBoolean();
            checks.put("cyrusSocket", open ? "listening" : "closed");
            if (!open) {
                problems.add("the Cyrus notify socket is not listening");
            }
        }
        if (imapProxy != null) {
            checks.put("imapProxy", Map.of("listening", imapProxy.addresses().size(),
                    "openSessions", imapProxy.counters().openSessions()));
        }
        httpDoors.forEach((name, door) -> {
            checks.put(name, Map.of("listening", door.isOpen(), "openConnections", door.openConnections()));
            if (!door.isOpen()) {
                problems.add("the " + name + " listener is closed");
            }
        });
        return new Readiness(List.copyOf(problems), checks);
    }

    private static void credentials(final ApnsPusher pusher, final Map<String, Object> checks,
                                    final List<String> problems) {
        final List<Map<String, Object>> credentials = new ArrayList<>();
        boolean anyUsable = false;
        final Instant now = Instant.now();
        for (final CredentialStatus credential : pusher.credentials()) {
            final boolean expired = credential.notAfter().map(now::isAfter).orElse(false);
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("topic", credential.topic());
            entry.put("apnsHost", credential.apnsHost());
            entry.put("usable", credential.usable() && !expired);
            credential.notAfter().ifPresent(t -> entry.put("notAfter", t.toString()));
            entry.put("circuitBreaker", credential.circuitBreaker());
            if (!credential.usable()) {
                entry.put("problem", credential.problem());
            } else if (expired) {
                entry.put("problem", "expired");
            }
            credentials.add(entry);
            anyUsable |= credential.usable() && !expired;
        }
        checks.put("credentials", credentials);
        if (!anyUsable) {
            problems.add("no usable APNs credential (refused by APNs or expired)");
        }
    }

    /** The registrations, as every door and the pusher use them (counted). */
}
