package org.mailpush.pusher.credentials;

import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;

/**
 * Reads APNs credentials from the files Apple and admins have: PKCS#12, PEM certificate and key (the key encrypted
 * or not, in the same file or its own), and .p8 token keys. Every failure is a {@link CredentialException} naming
 * the file and the reason; passwords never appear in messages. Stateless and thread-safe.
 */
public final class CredentialLoader {

    /** The subject attribute that carries a push certificate's topic. */
    static final String UID_OID = "0.9.2342.19200300.100.1.1";

    /** Used as an instance, never registered: only for the PBES2 ciphers of encrypted PEM keys. */
    private static final BouncyCastleProvider BOUNCY_CASTLE = new BouncyCastleProvider();

    private CredentialLoader() {
    }

    /** A certificate chain and the private key that came with it, as read, before any check. */
    record KeyEntry(List<X509Certificate> chain, PrivateKey key) {
    }

    /** Loads a PKCS#12 file: its first key entry and that entry's certificate chain. */
    public static CertificateCredential loadPkcs12(final Path file, final char[] password) throws CredentialException {
        final KeyEntry entry = readPkcs12(file, password);
        return certificateCredential(file, entry.chain(), entry.key());
    }

    /** The first key entry of a PKCS#12 file, unchecked. */
    static KeyEntry readPkcs12(final Path file, final char[] password) throws CredentialException {
        final KeyStore store;
        try (InputStream in = Files.newInputStream(file)) {
            store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
        } catch (final NoSuchFileException e) {
            throw new CredentialException(file + ": no such file");
        } catch (final IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains(
                    "password")) {
                if (password == null || password.length == 0) {
                    throw new CredentialException(file + ": the PKCS#12 file is protected by a password; give its"
                            + " password file");
                }
                throw new CredentialException(file + ": wrong password for this PKCS#12 file");
            }
            throw new CredentialException(file + ": not a readable PKCS#12 file (" + e.getMessage() + ")", e);
        } catch (final GeneralSecurityException e) {
            throw new CredentialException(file + ": not a readable PKCS#12 file (" + e.getMessage() + ")", e);
        }
        try {
            final Enumeration<String> aliases = store.aliases();
            while (aliases.hasMoreElements()) {
                final String alias = aliases.nextElement();
                if (!store.isKeyEntry(alias)) {
                    continue;
                }
                final Key key = store.getKey(alias, password);
                final Certificate[] chain = store.getCertificateChain(alias);
                if (!(key instanceof PrivateKey privateKey) || chain == null || chain.length == 0) {
                    continue;
                }
                final List<X509Certificate> certificates = new ArrayList<>();
                for (final Certificate certificate : chain) {
                    certificates.add((X509Certificate) certificate);
                }
                return new KeyEntry(certificates, privateKey);
            }
        } catch (final UnrecoverableKeyException e) {
            if (password == null || password.length == 0) {
                throw new CredentialException(file + ": the PKCS#12 file is protected by a password; give its"
                        + " password file");
            }
            throw new CredentialException(file + ": the key inside needs another password than the file");
        } catch (final GeneralSecurityException e) {
            throw new CredentialException(file + ": cannot read the key entry (" + e.getMessage() + ")", e);
        }
        throw new CredentialException(file + ": holds no private key with a certificate");
    }

    /**
     * Loads a PEM certificate (chain) and its private key.
     *
     * @param keyFile  the key's own file, or {@code null} when the key is in {@code certificateFile}
     * @param password for an encrypted key; {@code null} when it is not encrypted
     */
    public static CertificateCredential loadPem(final Path certificateFile, final Path keyFile, final char[] password)
            throws CredentialException {
        final KeyEntry entry = readPem(certificateFile, keyFile, password);
        if (entry.key() == null) {
            throw new CredentialException((keyFile != null ? keyFile : certificateFile) + ": contains no private key");
        }
        return certificateCredential(certificateFile, entry.chain(), entry.key());
    }

    /** A PEM certificate chain and its key ({@code null} when there is none), unchecked. */
    static KeyEntry readPem(final Path certificateFile, final Path keyFile, final char[] password)
            throws CredentialException {
        final List<Object> certificateObjects = readPem(certificateFile);
        final List<X509Certificate> chain = new ArrayList<>();
        PrivateKey key = null;
        for (final Object object : certificateObjects) {
            if (object instanceof X509CertificateHolder holder) {
                chain.add(certificate(certificateFile, holder));
            } else if (keyFile == null) {
                key = privateKey(certificateFile, object, password).orElse(key);
            }
        }
        if (chain.isEmpty()) {
            throw new CredentialException(certificateFile + ": contains no PEM certificate");
        }
        if (keyFile != null) {
            for (final Object object : readPem(keyFile)) {
                key = privateKey(keyFile, object, password).orElse(key);
            }
        }
        return new KeyEntry(chain, key);
    }

    /** The private keys in a PEM file (for a token key: exactly one EC key). */
    static List<PrivateKey> readPemKeys(final Path file, final char[] password) throws CredentialException {
        final List<PrivateKey> keys = new ArrayList<>();
        for (final Object object : readPem(file)) {
            privateKey(file, object, password).ifPresent(keys::add);
        }
        return keys;
    }

    /** Whether a file is PEM text rather than binary (PKCS#12 is DER). */
    static boolean isPem(final Path file) throws CredentialException {
        try (InputStream in = Files.newInputStream(file)) {
            final byte[] head = in.readNBytes(4096);
            return new String(head, StandardCharsets.ISO_8859_1).contains("-----BEGIN ");
        } catch (final NoSuchFileException e) {
            throw new CredentialException(file + ": no such file");
        } catch (final IOException e) {
            throw new CredentialException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Loads an APNs token key (.p8) for {@code topic}. */
    public static TokenKeyCredential loadTokenKey(final Path p8File, final String teamId, final String keyId,
                                                  final String topic) throws CredentialException {
        if (teamId == null || !teamId.matches("[A-Z0-9]{10}")) {
            throw new CredentialException(p8File + ": team id must be Apple's 10-character id, not \"" + teamId + "\"");
        }
        if (keyId == null || !keyId.matches("[A-Z0-9]{10}")) {
            throw new CredentialException(p8File + ": key id must be Apple's 10-character id, not \"" + keyId + "\"");
        }
        if (topic == null || topic.isBlank()) {
            throw new CredentialException(p8File + ": a token key needs the topic it pushes to");
        }
        try {
            return new TokenKeyCredential(ApnsSigningKey.loadFromPkcs8File(p8File.toFile(), teamId, keyId), topic,
                    p8File);
        } catch (final NoSuchFileException | java.io.FileNotFoundException e) {
            throw new CredentialException(p8File + ": no such file");
        } catch (final IOException | GeneralSecurityException | RuntimeException e) {
            throw new CredentialException(p8File + ": not a PKCS#8 EC private key (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The push topic of a certificate: its subject UID.
     *
     * @return empty when the subject has no UID
     */
    public static Optional<String> topicOf(final X509Certificate certificate) {
        try {
            final LdapName name = new LdapName(certificate.getSubjectX500Principal().getName(X500Principal.RFC2253));
            for (final Rdn rdn : name.getRdns()) {
                if ("UID".equalsIgnoreCase(rdn.getType()) || UID_OID.equals(rdn.getType())) {
                    return Optional.of(String.valueOf(rdn.getValue()));
                }
            }
            return Optional.empty();
        } catch (final InvalidNameException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code key} is the private half of {@code certificate}'s public key (a signature round trip). */
    public static boolean keyMatches(final X509Certificate certificate, final PrivateKey key) {
        final PublicKey publicKey = certificate.getPublicKey();
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        final String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> null;
        };
        if (algorithm == null) {
            return false;
        }
        try {
            final byte[] probe = "mailpush key check".getBytes(StandardCharsets.US_ASCII);
            final Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            final byte[] signature = signer.sign();
            final Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (final GeneralSecurityException e) {
            return false;
        }
    }

    private static CertificateCredential certificateCredential(final Path file, final List<X509Certificate> chain,
                                                               final PrivateKey key) throws CredentialException {
        final X509Certificate certificate = chain.get(0);
        if (!keyMatches(certificate, key)) {
            throw new CredentialException(file + ": the private key does not belong to the certificate "
                    + certificate.getSubjectX500Principal().getName());
        }
        final String topic = topicOf(certificate).orElseThrow(() -> new CredentialException(file
                + ": the certificate subject has no UID, so it names no push topic ("
                + certificate.getSubjectX500Principal().getName() + ")"));
        return new CertificateCredential(chain, key, topic, file);
    }

    private static List<Object> readPem(final Path file) throws CredentialException {
        final List<Object> objects = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            Object object;
            while ((object = parser.readObject()) != null) {
                objects.add(object);
            }
        } catch (final NoSuchFileException e) {
            throw new CredentialException(file + ": no such file");
        } catch (final IOException | RuntimeException e) {
            throw new CredentialException(file + ": not a readable PEM file (" + e.getMessage() + ")", e);
        }
        if (objects.isEmpty()) {
            throw new CredentialException(file + ": contains no PEM blocks");
        }
        return objects;
    }

    private static X509Certificate certificate(final Path file, final X509CertificateHolder holder)
            throws CredentialException {
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (final CertificateException e) {
            throw new CredentialException(file + ": unreadable certificate (" + e.getMessage() + ")", e);
        }
    }

    private static Optional<PrivateKey> privateKey(final Path file, final Object object, final char[] password)
            throws CredentialException {
        final JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            if (object instanceof PrivateKeyInfo info) {
                return Optional.of(converter.getPrivateKey(info));
            }
            if (object instanceof PEMKeyPair pair) {
                return Optional.of(converter.getKeyPair(pair).getPrivate());
            }
            if (object instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
                requirePassword(file, password);
                return Optional.of(converter.getPrivateKey(encrypted.decryptPrivateKeyInfo(
                        new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BOUNCY_CASTLE).build(password))));
            }
            if (object instanceof PEMEncryptedKeyPair encrypted) {
                requirePassword(file, password);
                return Optional.of(converter.getKeyPair(encrypted.decryptKeyPair(
                        new JcePEMDecryptorProviderBuilder().setProvider(BOUNCY_CASTLE).build(password))).getPrivate());
            }
            return Optional.empty();
        } catch (final PKCSException | IOException e) {
            throw new CredentialException(file + ": cannot decrypt the private key: wrong password?", e);
        } catch (final OperatorCreationException e) {
            throw new CredentialException(file + ": cannot decrypt the private key (" + e.getMessage() + ")", e);
        }
    }

    private static void requirePassword(final Path file, final char[] password) throws CredentialException {
        if (password == null) {
            throw new CredentialException(file + ": the private key is encrypted; give its password-file");
        }
    }
}
