package org.mailpush.pusher.credentials;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * What mailpush signs its APNs requests with: a client certificate (PKCS#12 or PEM) or a token key (.p8). Each
 * credential serves one topic. Immutable.
 */
public sealed interface ApnsCredential permits CertificateCredential, TokenKeyCredential {

    /** The APNs topic: a certificate's subject UID, or the configured topic of a token key. */
    String topic();

    /** The file it was loaded from, for messages; never its content. */
    Path source();

    /** The APNs environments it is valid for; empty when it does not say (token keys serve both). */
    Set<ApnsEnvironment> environments();

    /** When it stops working; empty for token keys, which do not expire. */
    Optional<Instant> notAfter();
}
