package org.mailpush.pusher.credentials;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A TLS client certificate and its key, as Apple issues them for mail push.
 *
 * @param chain the certificate first, then any intermediates that came with it
 */
public record CertificateCredential(List<X509Certificate> chain, PrivateKey privateKey, String topic, Path source)
        implements ApnsCredential {

    public CertificateCredential {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate credential needs a certificate");
        }
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(source, "source");
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    @Override
    public Set<ApnsEnvironment> environments() {
        final Set<String> oids = certificate().getNonCriticalExtensionOIDs();
        final Set<ApnsEnvironment> environments = EnumSet.noneOf(ApnsEnvironment.class);
        for (final ApnsEnvironment environment : ApnsEnvironment.values()) {
            if (oids != null && oids.contains(environment.oid())) {
                environments.add(environment);
            }
        }
        return environments;
    }

    @Override
    public Optional<Instant> notAfter() {
        return Optional.of(certificate().getNotAfter().toInstant());
    }

    @Override
    public String toString() {
        return "CertificateCredential[topic=" + topic + ", source=" + source + ", notAfter=" + notAfter().orElseThrow()
                + "]";
    }
}
