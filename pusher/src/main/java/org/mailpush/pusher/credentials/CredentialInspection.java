package org.mailpush.pusher.credentials;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@link CredentialInspector} found in a credential file: everything an admin needs to decide whether it will
 * push to Apple Mail, and the problems (it cannot be used) and warnings (it can, but look) in plain sentences.
 *
 * @param format       {@code PKCS#12}, {@code PEM} or {@code token key (.p8)}
 * @param subject      the certificate's subject (RFC 2253), {@code null} for a token key or an unreadable file
 * @param topic        the push topic (subject UID, or the topic given for a token key); {@code null} when none
 * @param environments the Apple push environments the certificate is marked for (empty when not marked)
 * @param keyMatches   whether the private key belongs to the certificate; {@code null} when not known
 * @param chain        the certificate chain read, empty for a token key or an unreadable file
 * @param privateKey   the private key read, {@code null} when none could be read
 */
public record CredentialInspection(Path file, String format, String subject, String issuer, String topic,
                                   Set<ApnsEnvironment> environments, Instant notBefore, Instant notAfter,
                                   String keyDescription, Boolean keyMatches, String teamId, String keyId,
                                   List<X509Certificate> chain, PrivateKey privateKey, List<String> problems,
                                   List<String> warnings) {

    public CredentialInspection {
        Objects.requireNonNull(file, "file");
        environments = Set.copyOf(environments);
        chain = List.copyOf(chain);
        problems = List.copyOf(problems);
        warnings = List.copyOf(warnings);
    }

    /** Whether mailpush can push with it: readable, key matches, a topic, within its validity. */
    public boolean valid() {
        return problems.isEmpty();
    }

    public boolean isTokenKey() {
        return chain.isEmpty() && privateKey != null && teamId != null;
    }

    public Optional<Instant> expiry() {
        return Optional.ofNullable(notAfter);
    }

    /** Never prints key material; the toString of a record would. */
    @Override
    public String toString() {
        return "CredentialInspection[" + file + ", " + format + ", topic=" + topic + ", valid=" + valid() + "]";
    }
}
