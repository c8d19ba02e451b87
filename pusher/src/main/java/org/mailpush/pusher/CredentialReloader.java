package org.mailpush.pusher;

import com.eatthepath.pushy.apns.ApnsClient;
import org.mailpush.pusher.credentials.ApnsCredential;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Notices when a credential's files change on disk (a renewed certificate, {@code mailpush certs install}) and puts
 * the new credential in place without a restart. It compares file contents, not times, so a copy that keeps the
 * modification time and an atomic rename both count. A new credential that does not load is logged and the old one
 * stays in use; it is tried again when the files change again.
 *
 * <p>Called from the pusher's timer thread at a fixed interval; not thread-safe on its own.</p>
 */
final class CredentialReloader {

    private static final Logger LOG = LoggerFactory.getLogger(CredentialReloader.class);

    /** Builds the Pushy client for a credential (the pusher's settings, the shared event loop). */
    @FunctionalInterface
    interface ClientFactory {
        ApnsClient create(ApnsCredential credential, String apnsHost) throws IOException;
    }

    private final DeliveryEngine engine;
    private final ClientFactory clients;
    private final Map<CredentialSlot, String> fingerprints = new HashMap<>();

    CredentialReloader(final DeliveryEngine engine, final ClientFactory clients) {
        this.engine = engine;
        this.clients = clients;
        for (final CredentialSlot slot : engine.slots()) {
            fingerprints.put(slot, fingerprint(slot.source.files()));
        }
    }

    /** Checks every credential's files once; reloads those that changed. */
    void check() {
        for (final CredentialSlot slot : engine.slots()) {
            final String now = fingerprint(slot.source.files());
            if (Objects.equals(now, fingerprints.get(slot))) {
                continue;
            }
            fingerprints.put(slot, now);
            reload(slot);
        }
    }

    private void reload(final CredentialSlot slot) {
        final ApnsCredential credential;
        try {
            credential = slot.source.load();
        } catch (final Exception e) {
            LOG.error("Credential files for topic {} changed but do not load; still using the previous one: {}",
                    slot.topic(), e.getMessage());
            return;
        }
        final ApnsClient client;
        try {
            client = clients.create(credential, slot.apnsHost);
        } catch (final IOException | RuntimeException e) {
            LOG.error("Cannot use the reloaded credential from {}; still using the previous one: {}",
                    credential.source(), e.getMessage());
            return;
        }
        final String oldTopic = slot.topic();
        engine.replace(slot, credential, client);
        LOG.info("Reloaded the APNs credential from {}: topic {}{}{}", credential.source(), credential.topic(),
                oldTopic.equals(credential.topic()) ? "" : " (was " + oldTopic + ")",
                credential.notAfter().map(t -> ", valid until " + t).orElse(""));
    }

    private static String fingerprint(final List<Path> files) {
        try {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (final Path file : files) {
                digest.update(file.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try {
                    digest.update(Files.readAllBytes(file));
                } catch (final NoSuchFileException e) {
                    digest.update((byte) 0);
                } catch (final IOException e) {
                    digest.update((byte) 1);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
