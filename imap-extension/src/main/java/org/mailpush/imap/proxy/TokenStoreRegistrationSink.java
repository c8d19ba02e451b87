package org.mailpush.imap.proxy;

import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Stores the proxy's registrations in the token store on a small thread pool of its own (the store blocks; the
 * proxy's event loop must not), with a bounded queue: when the store cannot keep up, a registration is refused
 * (the device gets NO and tries again later) rather than queued without bound.
 */
public final class TokenStoreRegistrationSink implements RegistrationSink, AutoCloseable {

    private final RegistrationStore store;
    private final Supplier<String> topic;
    private final ExecutorService executor;

    /**
     * @param topic the topic to answer, asked each time (a reloaded credential may change it)
     */
    public TokenStoreRegistrationSink(final RegistrationStore store, final Supplier<String> topic) {
        this.store = store;
        this.topic = topic;
        this.executor = new ThreadPoolExecutor(1, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1_000),
                runnable -> {
                    final Thread thread = new Thread(runnable, "imap-registrations");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    @Override
    public String topic() {
        return topic.get();
    }

    @Override
    public CompletableFuture<Void> register(final Registration registration) {
        try {
            return CompletableFuture.runAsync(() -> store.register(registration), executor);
        } catch (final RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("too many registrations waiting"));
        }
    }

    @Override
    public void close() {
        executor.shutdown();
    }
}
