package org.mailpush.testing;

import java.lang.management.ManagementFactory;

/** Heap use for tests that show memory stays flat under hostile or heavy input. */
public final class Heap {

    private Heap() {
    }

    /** Bytes of heap in use after asking for garbage collection a few times (a hint the JVM follows in practice). */
    public static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
