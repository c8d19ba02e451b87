package org.mailpush.pusher;

import org.mailpush.store.PushTarget;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The credentials in use, in the configured order, and which one serves a push target. A mail registration takes
 * the credential for its topic, else the first (for a registration that names no topic, or one no credential has:
 * mail registrations are answered with the first credential's topic). A calendar or contacts subscription takes only
 * the credential whose topic is the subscription's own ({@code aps_topic_caldav}/{@code aps_topic_carddav}): the
 * device listens on that topic alone, and another certificate's push would be refused ({@code BadTopic}).
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

    /** The credential that serves {@code target}; {@code null} for a calendar or contacts one whose topic none has. */
    CredentialSlot serving(final PushTarget target) {
        final CredentialSlot slot = target.topic() == null ? null : byTopic.get(target.topic());
        if (slot != null || target.kind() != PushTarget.Kind.MAIL) {
            return slot;
        }
        return all.get(0);
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
