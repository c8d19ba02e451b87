package org.mailpush.pusher;

import org.mailpush.store.Registration;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The credentials in use, in the configured order, and which one serves a registration: the one for its topic, else
 * the first (for a registration that names no topic, or one no credential has).
 *
 * <p>Threading: the list never changes; the index by topic is rebuilt under the engine's lock when a reloaded
 * credential may have brought a new topic, and read without it (published through a volatile field). Lifecycle: the
 * engine's.</p>
 */
final class CredentialSlots {

    private final List<CredentialSlot> all;
    private volatile Map<String, CredentialSlot> byTopic;

    CredentialSlots(final List<CredentialSlot> slots) {
        this.all = List.copyOf(slots);
        reindex();
    }

    List<CredentialSlot> all() {
        return all;
    }

    CredentialSlot serving(final Registration registration) {
        final CredentialSlot slot = registration.topic() == null ? null : byTopic.get(registration.topic());
        return slot != null ? slot : all.get(0);
    }

    /** After a credential was replaced: its topic may have changed. */
    void reindex() {
        final Map<String, CredentialSlot> index = new LinkedHashMap<>();
        for (final CredentialSlot slot : all) {
            index.putIfAbsent(slot.topic(), slot);
        }
        byTopic = index;
    }
}
