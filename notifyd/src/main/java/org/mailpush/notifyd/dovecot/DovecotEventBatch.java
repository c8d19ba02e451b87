package org.mailpush.notifyd.dovecot;

import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.MailboxEvent;

import java.util.List;

/**
 * One posted transaction of a Dovecot user, parsed and coalesced.
 *
 * @param user          the mailbox owner, as Dovecot names the user
 * @param events        at most one new-mail and one change event per mailbox, in first-seen order
 * @param ignored       the known event types that need no push (e.g. {@code MailboxCreate}), one entry per event
 * @param unknownNames  how many events had a name mailpush does not know (a newer Dovecot); skipped
 */
record DovecotEventBatch(String user, List<MailboxEvent> events, List<EventType> ignored, int unknownNames) {

    DovecotEventBatch {
        events = List.copyOf(events);
        ignored = List.copyOf(ignored);
    }
}
