package org.mailpush.pusher.credentials;

import com.eatthepath.pushy.apns.auth.ApnsSigningKey;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** An APNs token-authentication key (.p8) with its team id and key id, used for one configured topic. */
public record TokenKeyCredential(ApnsSigningKey signingKey, String topic, Path source) implements ApnsCredential {

    public TokenKeyCredential {
        Objects.requireNonNull(signingKey, "signingKey");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(source, "source");
    }

    public String teamId() {
        return signingKey.getTeamId();
    }

    public String keyId() {
        return signingKey.getKeyId();
    }

    @Override
    public Set<ApnsEnvironment> environments() {
        return Set.of();
    }

    @Override
    public Optional<Instant> notAfter() {
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "TokenKeyCredential[topic=" + topic + ", team=" + teamId() + ", key=" + keyId() + ", source=" + source
                + "]";
    }
}
