package org.mailpush.pusher.credentials;

import javax.security.auth.x500.X500Principal;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Looks into a credential file the way an admin would want before installing it: which format, which topic and
 * environments, valid from and until, whether the key belongs to the certificate. Never throws for a bad file:
 * every failure becomes a problem in the {@link CredentialInspection}, worded to be acted on, without a stack trace
 * and without passwords or key material.
 *
 * <p>The format is read from the content: PEM text holding a certificate is a certificate credential (key in the
 * same file or in {@code keyFile}); PEM text holding only an EC key is a token key (.p8); anything else is tried as
 * PKCS#12. Stateless apart from its clock; thread-safe.</p>
 */
public final class CredentialInspector {

    /** Certificates expiring sooner than this get a warning. */
    public static final Duration RENEW_WITHIN = Duration.ofDays(30);

    private static final Pattern APPLE_ID = Pattern.compile("[A-Z0-9]{10}");
    private static final Pattern AUTH_KEY_FILE = Pattern.compile("AuthKey_([A-Z0-9]{10})\\.p8");

    private final Clock clock;

    public CredentialInspector(final Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * @param keyFile  the private key's own file for a PEM certificate, {@code null} when it is in {@code file}
     * @param password for a PKCS#12 file or an encrypted key; {@code null} for none
     * @param teamId   for a token key: Apple's team id; {@code null} when not given
     * @param keyId    for a token key: its key id; {@code null} to take it from an {@code AuthKey_<id>.p8} name
     * @param topic    for a token key: the topic it will push to; ignored for certificates
     */
    public CredentialInspection inspect(final Path file, final Path keyFile, final char[] password,
                                        final String teamId, final String keyId, final String topic) {
        final boolean pem;
        try {
            pem = CredentialLoader.isPem(file);
        } catch (final CredentialException e) {
            return unreadable(file, "unknown", e.getMessage());
        }
        if (!pem) {
            try {
                final CredentialLoader.KeyEntry entry = CredentialLoader.readPkcs12(file,
                        password == null ? new char[0] : password);
                return certificate(file, "PKCS#12", entry);
            } catch (final CredentialException e) {
                return unreadable(file, "PKCS#12", e.getMessage());
            }
        }
        try {
            final CredentialLoader.KeyEntry entry = CredentialLoader.readPem(file, keyFile, password);
            return certificate(file, "PEM", entry);
        } catch (final CredentialException e) {
            if (e.getMessage().endsWith("contains no PEM certificate")) {
                return tokenKey(file, password, teamId, keyId, topic);
            }
            return unreadable(file, "PEM", e.getMessage());
        }
    }

    private CredentialInspection certificate(final Path file, final String format,
                                             final CredentialLoader.KeyEntry entry) {
        final List<String> problems = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        final X509Certificate certificate = entry.chain().get(0);
        final String topic = CredentialLoader.topicOf(certificate).orElse(null);
        final Set<ApnsEnvironment> environments = EnumSet.noneOf(ApnsEnvironment.class);
        final Set<String> extensions = certificate.getNonCriticalExtensionOIDs();
        for (final ApnsEnvironment environment : ApnsEnvironment.values()) {
            if (extensions != null && extensions.contains(environment.oid())) {
                environments.add(environment);
            }
        }
        Boolean matches = null;
        if (entry.key() == null) {
            problems.add("no private key: give the key file (--key) or use a file that holds the key too");
        } else {
            matches = CredentialLoader.keyMatches(certificate, entry.key());
            if (!matches) {
                problems.add("the private key does not belong to this certificate");
            }
        }
        if (topic == null) {
            problems.add("the certificate subject has no UID, so it names no push topic: not an Apple push"
                    + " certificate");
        } else {
            PushTopics.warning(topic).ifPresent(warnings::add);
        }
        if (environments.isEmpty()) {
            warnings.add("the certificate carries neither of Apple's push environment marks (OIDs "
                    + ApnsEnvironment.DEVELOPMENT.oid() + ", " + ApnsEnvironment.PRODUCTION.oid()
                    + "): was it issued by Apple?");
        }
        final Instant now = clock.instant();
        final Instant notBefore = certificate.getNotBefore().toInstant();
        final Instant notAfter = certificate.getNotAfter().toInstant();
        if (now.isAfter(notAfter)) {
            problems.add("the certificate expired on " + notAfter + " (" + days(notAfter, now) + " days ago)");
        } else if (now.isBefore(notBefore)) {
            problems.add("the certificate is not valid before " + notBefore);
        } else if (Duration.between(now, notAfter).compareTo(RENEW_WITHIN) < 0) {
            warnings.add("the certificate expires in " + days(now, notAfter) + " days (" + notAfter
                    + "): renew it now");
        }
        return new CredentialInspection(file, format, certificate.getSubjectX500Principal().getName(
                X500Principal.RFC2253), certificate.getIssuerX500Principal().getName(X500Principal.RFC2253), topic,
                environments, notBefore, notAfter, entry.key() == null ? null : describe(entry.key()), matches, null,
                null, entry.chain(), entry.key(), problems, warnings);
    }

    private CredentialInspection tokenKey(final Path file, final char[] password, final String teamId,
                                          final String givenKeyId, final String topic) {
        final List<PrivateKey> keys;
        try {
            keys = CredentialLoader.readPemKeys(file, password);
        } catch (final CredentialException e) {
            return unreadable(file, "token key (.p8)", e.getMessage());
        }
        final List<String> problems = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        if (keys.size() != 1) {
            return unreadable(file, "PEM", file + ": holds " + (keys.isEmpty() ? "neither a certificate nor a key"
                    : keys.size() + " keys and no certificate"));
        }
        final PrivateKey key = keys.get(0);
        if (!(key instanceof ECKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256) {
            problems.add("a token key (.p8) is an EC P-256 key; this is " + describe(key));
        }
        String keyId = givenKeyId;
        if (keyId == null) {
            final Matcher name = AUTH_KEY_FILE.matcher(file.getFileName().toString());
            if (name.matches()) {
                keyId = name.group(1);
            }
        }
        if (keyId == null) {
            problems.add("the key id is not known: give --key-id (Apple names the file AuthKey_<key id>.p8)");
        } else if (!APPLE_ID.matcher(keyId).matches()) {
            problems.add("key id must be Apple's 10-character id, not \"" + keyId + "\"");
        }
        if (teamId == null) {
            problems.add("the team id is not known: give --team-id (Apple developer account, Membership)");
        } else if (!APPLE_ID.matcher(teamId).matches()) {
            problems.add("team id must be Apple's 10-character id, not \"" + teamId + "\"");
        }
        if (topic == null) {
            problems.add("a token key is not bound to a topic: give --topic (com.apple.mail.XServer.<uuid>)");
        } else {
            PushTopics.warning(topic).ifPresent(warnings::add);
        }
        warnings.add("a token key does not expire, and Apple only checks it on the first push: send-test shows"
                + " whether Apple accepts it for this topic");
        return new CredentialInspection(file, "token key (.p8)", null, null, topic,
                EnumSet.allOf(ApnsEnvironment.class), null, null, describe(key), null, teamId, keyId, List.of(), key,
                problems, warnings);
    }

    private static CredentialInspection unreadable(final Path file, final String format, final String message) {
        // Loader messages start with the file name; the report names the file already.
        final String prefix = file + ": ";
        final String problem = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
        return new CredentialInspection(file, format, null, null, null, Set.of(), null, null, null, null, null, null,
                List.of(), null, List.of(problem), List.of());
    }

    private static String describe(final PrivateKey key) {
        if (key instanceof RSAKey rsa) {
            return "RSA " + rsa.getModulus().bitLength();
        }
        if (key instanceof ECKey ec) {
            final int bits = ec.getParams().getCurve().getField().getFieldSize();
            return bits == 256 ? "EC P-256" : "EC " + bits;
        }
        return key.getAlgorithm().toUpperCase(Locale.ROOT);
    }

    private static long days(final Instant from, final Instant to) {
        return Duration.between(from, to).toDays();
    }
}
