package org.mailpush.pusher;

import org.mailpush.pusher.credentials.ApnsCredential;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a credential comes from, so that the pusher can load it again when its files change on disk (a renewed
 * certificate) without a restart.
 */
public interface CredentialSource {

    /** The files whose change means the credential must be loaded again (certificate, key, password file). */
    List<Path> files();

    /** Loads the credential now; the message of a failure names the file and what is wrong. */
    ApnsCredential load() throws Exception;

    /** The APNs host this credential is used with (production or sandbox), or {@code null} for the default. */
    default String apnsHost() {
        return null;
    }

    /** A source that always returns the same credential and watches nothing. */
    static CredentialSource fixed(final ApnsCredential credential) {
        return new CredentialSource() {
            @Override
            public List<Path> files() {
                return List.of();
            }

            @Override
            public ApnsCredential load() {
                return credential;
            }
        };
    }
}
