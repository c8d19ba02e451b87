package org.mailpush.common.mail;

import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A small immutable set of normalised mailbox names that keeps its order: an array, not a hash table. Registrations
 * watch a handful of mailboxes, and a routing cache holds hundreds of thousands of them, so a few bytes per name
 * matter more than constant-time lookup. Only {@link MailboxNames#normalizeAll} makes them.
 */
final class MailboxSet extends AbstractSet<String> {

    static final MailboxSet EMPTY = new MailboxSet(new String[0]);

    private final String[] names;

    MailboxSet(final String[] names) {
        this.names = names;
    }

    @Override
    public boolean contains(final Object o) {
        for (final String name : names) {
            if (name.equals(o)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Iterator<String> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < names.length;
            }

            @Override
            public String next() {
                if (next >= names.length) {
                    throw new NoSuchElementException();
                }
                return names[next++];
            }
        };
    }

    @Override
    public int size() {
        return names.length;
    }

    @Override
    public Object[] toArray() {
        return Arrays.copyOf(names, names.length, Object[].class);
    }
}
