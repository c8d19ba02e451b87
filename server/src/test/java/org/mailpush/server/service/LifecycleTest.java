package org.mailpush.server.service;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LifecycleTest {

    private final List<String> stopped = new ArrayList<>();

    private AutoCloseable part(final String name) {
        return () -> stopped.add(name);
    }

    @Test
    void partsStopInReverseAndASlotStopsWhereItWasReservedNotWhereItWasFilled() {
        final Lifecycle lifecycle = new Lifecycle();
        lifecycle.atTheEnd("disk queue", part("disk queue"));
        lifecycle.started("store", part("store"));
        final Lifecycle.Slot afterPusher = lifecycle.slot("answered queue rows");
        lifecycle.started("pusher", part("pusher"));
        lifecycle.started("queue consumer", part("queue consumer"));
        afterPusher.fill(part("answered queue rows"));
        lifecycle.started("ops endpoint", part("ops endpoint"));

        lifecycle.stopAll();

        // The split install's pusher: the rows its last answers settled are removed after it, with the store open.
        assertThat(stopped).containsExactly("ops endpoint", "queue consumer", "pusher", "answered queue rows", "store",
                "disk queue");
    }

    @Test
    void aPartThatFailsToStopDoesNotKeepTheOthersRunning() {
        final Lifecycle lifecycle = new Lifecycle();
        lifecycle.started("store", part("store"));
        lifecycle.slot("never filled");
        lifecycle.started("broken", () -> {
            throw new IllegalStateException("stuck");
        });
        lifecycle.started("door", part("door"));

        lifecycle.stopAll();
        lifecycle.stopAll(); // stopping twice stops nothing twice

        assertThat(stopped).containsExactly("door", "store");
    }
}
