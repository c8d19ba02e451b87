package org.mailpush.imap.proxy;

import org.mailpush.store.Registration;

import java.util.concurrent.CompletableFuture;

/**
 * Where the proxy's registrations go (the token store, off the I/O thread) and which topic devices are told.
 * Implementations must not block the calling thread.
 */
public interface RegistrationSink {

    /** The APNs topic answered to devices (the mail credential's). */
    String topic();

    /** Stores the registration; completes when it is stored, exceptionally when it could not be. */
    CompletableFuture<Void> register(Registration registration);
}
