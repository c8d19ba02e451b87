/**
 * A queue of records on disk that survives a crash ({@link DurableQueue}), behind the Cyrus stream mode: a record is
 * acknowledged to its sender only once written and synced.
 *
 * <p>In: {@link DurableQueue#append} of a record's bytes (refused with {@link QueueFullException} past the size bound)
 * and {@code done} once it was dealt with. Out: at open, the records not done before a crash, for replay. Thread-safe;
 * appending does I/O and {@code fsync}, so never on an event loop.</p>
 */
package org.mailpush.notifyd.queue;
