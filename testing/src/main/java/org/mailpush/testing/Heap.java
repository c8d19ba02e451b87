package org.mailpush.testing;

import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;

/** Heap use for tests that show memory stays flat under hostile or heavy input. */
public final class Heap {

    private Heap() {
    }

    /**
     * Bytes of heap in use after three garbage collections, each known to have run (a weakly held sentinel was
     * cleared), rather than a pause after each request for one. {@code System.gc()} is a hint the JVM follows in
     * practice; it is asked again, a bounded number of times, until the sentinel goes.
     */
    public static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            final WeakReference<Object> sentinel = new WeakReference<>(new Object());
            for (int asked = 0; sentinel.get() != null && asked < 100; asked++) {
                System.gc();
            }
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
