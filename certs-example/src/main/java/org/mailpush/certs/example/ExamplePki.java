package org.mailpush.certs.example;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A throwaway public-key infrastructure shaped like Apple's push PKI, for the demo and the tests.
 *
 * <p>It makes a CA, a {@code localhost} server certificate for a mock APNs server, and client certificates that look
 * like Apple's mail push certificates: the subject UID is the push topic ({@code com.apple.mail.XServer.<uuid>}) and
 * the certificate carries Apple's push environment OIDs. Every file is written into one folder; nothing here is fit
 * for production, and the CA key is written next to the certificates on purpose.</p>
 *
 * <p>Instances are immutable once {@link #create(Path)} returns; issuing further client certificates writes new files
 * and is safe from one thread at a time.</p>
 */
public final class ExamplePki {

    /** Apple's OID marking a push certificate valid for the development (sandbox) environment. */
    public static final String APPLE_PUSH_DEVELOPMENT_OID = "1.2.840.113635.100.6.3.1";
    /** Apple's OID marking a push certificate valid for the production environment. */
    public static final String APPLE_PUSH_PRODUCTION_OID = "1.2.840.113635.100.6.3.2";
    /** The password of every PKCS#12 file and encrypted key written here. */
    public static final String PASSWORD = "mailpush-example";
    /** The Apple team id written for the example token key. */
    public static final String TEAM_ID = "EXAMPLETM1";

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Used as an instance, never registered: the JDK lacks the PKCS#5 v2 ciphers for encrypted PKCS#8 keys. */
    private static final BouncyCastleProvider BOUNCY_CASTLE = new BouncyCastleProvider();

    private final Path directory;
    private final KeyPair caKeys;
    private final X509Certificate caCertificate;
    private final Path caCertificateFile;
    private final Path serverCertificateFile;
    private final Path serverKeyFile;
    private final ClientCredentialFiles client;

    private ExamplePki(final Path directory, final KeyPair caKeys, final X509Certificate caCertificate,
                       final Path caCertificateFile, final Path serverCertificateFile, final Path serverKeyFile,
                       final ClientCredentialFiles client) {
        this.directory = directory;
        this.caKeys = caKeys;
        this.caCertificate = caCertificate;
        this.caCertificateFile = caCertificateFile;
        this.serverCertificateFile = serverCertificateFile;
        this.serverKeyFile = serverKeyFile;
        this.client = client;
    }

    /**
     * Makes a new CA, a {@code localhost} server certificate and one mail push client certificate (both environments,
     * valid for a year, a fresh random topic) in {@code directory}, creating the folder when needed.
     */
    public static ExamplePki create(final Path directory) {
        try {
            Files.createDirectories(directory);
            final KeyPair caKeys = ecKeys();
            final X500Name caName = new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.O, "mailpush example").addRDN(BCStyle.CN, "mailpush example CA (throwaway)")
                            .build();
            final Instant now = Instant.now();
            final X509v3CertificateBuilder caBuilder = new JcaX509v3CertificateBuilder(caName, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(3650))), caName,
                    caKeys.getPublic());
            final JcaX509ExtensionUtils extensionUtils = new JcaX509ExtensionUtils();
            caBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            caBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            caBuilder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensionUtils.createSubjectKeyIdentifier(caKeys.getPublic()));
            final X509Certificate caCertificate = sign(caBuilder, caKeys.getPrivate());

            final Path caFile = directory.resolve("ca.pem");
            writePem(caFile, caCertificate);
            writePem(directory.resolve("ca.key"), new JcaPKCS8Generator(caKeys.getPrivate(), null).generate());
            ownerOnly(directory.resolve("ca.key"));

            final KeyPair serverKeys = ecKeys();
            final X509v3CertificateBuilder serverBuilder = new JcaX509v3CertificateBuilder(caCertificate, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(825))),
                    new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "localhost").build(),
                    serverKeys.getPublic());
            serverBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            serverBuilder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            serverBuilder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[]{
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.iPAddress, "::1")}));
            final X509Certificate serverCertificate = sign(serverBuilder, caKeys.getPrivate());
            final Path serverCertificateFile = directory.resolve("server.pem");
            final Path serverKeyFile = directory.resolve("server.key");
            writePem(serverCertificateFile, serverCertificate, caCertificate);
            writePem(serverKeyFile, new JcaPKCS8Generator(serverKeys.getPrivate(), null).generate());
            ownerOnly(serverKeyFile);

            final ExamplePki pki = new ExamplePki(directory, caKeys, caCertificate, caFile, serverCertificateFile,
                    serverKeyFile, null);
            final ClientCredentialFiles client = pki.issueClient("mail-push", ClientSpec.mail());
            return new ExamplePki(directory, caKeys, caCertificate, caFile, serverCertificateFile, serverKeyFile,
                    client);
        } catch (final IOException e) {
            throw new UncheckedIOException("could not write the example certificates into " + directory, e);
        } catch (final GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("could not make the example certificates", e);
        }
    }

    /**
     * Issues a client certificate from this CA and writes it as {@code <name>.pem}, {@code <name>.key} (PKCS#8,
     * unencrypted), {@code <name>.p12} and {@code <name>.p12.pass}, plus {@code <name>.enc.key} (PKCS#8 encrypted
     * with {@link #PASSWORD}).
     */
    public ClientCredentialFiles issueClient(final String name, final ClientSpec spec) {
        try {
            final KeyPair keys = rsaKeys();
            // DER order C, O, OU, CN, UID: printed (RFC 2253, most specific first) as "UID=<topic>,CN=...", as
            // Apple's certificates are.
            final X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.C, "US").addRDN(BCStyle.O, "mailpush example")
                    .addRDN(BCStyle.OU, "mailpush example").addRDN(BCStyle.CN, spec.commonName());
            if (spec.topic() != null) {
                subject.addRDN(BCStyle.UID, spec.topic());
            }
            final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate, serial(),
                    Date.from(spec.notBefore()), Date.from(spec.notAfter()), subject.build(), keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    KeyPurposeId.id_kp_clientAuth));
            for (final String oid : spec.environmentOids()) {
                builder.addExtension(new ASN1ObjectIdentifier(oid), false, DERNull.INSTANCE);
            }
            final X509Certificate certificate = sign(builder, caKeys.getPrivate());

            final Path certificateFile = directory.resolve(name + ".pem");
            final Path keyFile = directory.resolve(name + ".key");
            final Path encryptedKeyFile = directory.resolve(name + ".enc.key");
            final Path p12File = directory.resolve(name + ".p12");
            final Path passwordFile = directory.resolve(name + ".p12.pass");
            writePem(certificateFile, certificate);
            writePem(keyFile, new JcaPKCS8Generator(keys.getPrivate(), null).generate());
            final OutputEncryptor encryptor = new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                    .setProvider(BOUNCY_CASTLE).setRandom(RANDOM).setPassword(PASSWORD.toCharArray()).build();
            writePem(encryptedKeyFile, new JcaPKCS8Generator(keys.getPrivate(), encryptor).generate());

            final KeyStore p12 = KeyStore.getInstance("PKCS12");
            p12.load(null, null);
            p12.setKeyEntry("mail-push", keys.getPrivate(), PASSWORD.toCharArray(),
                    new Certificate[]{certificate, caCertificate});
            try (OutputStream out = Files.newOutputStream(p12File)) {
                p12.store(out, PASSWORD.toCharArray());
            }
            Files.writeString(passwordFile, PASSWORD + "\n");
            // Private material is owner-only, as mailpush requires of real credentials.
            ownerOnly(keyFile, encryptedKeyFile, p12File, passwordFile);
            return new ClientCredentialFiles(spec.topic(), certificate, certificateFile, keyFile, encryptedKeyFile,
                    p12File, passwordFile);
        } catch (final IOException e) {
            throw new UncheckedIOException("could not write the client certificate " + name, e);
        } catch (final GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("could not issue the client certificate " + name, e);
        }
    }

    /**
     * Writes an issued client credential again as a PKCS#12 file named {@code fileName} in this folder, protected by
     * {@code password} ({@code ""} for a file without one, as some exports are).
     */
    public Path writePkcs12(final ClientCredentialFiles credential, final String fileName, final String password) {
        try (java.io.Reader reader = Files.newBufferedReader(credential.keyFile(), StandardCharsets.US_ASCII);
             org.bouncycastle.openssl.PEMParser parser = new org.bouncycastle.openssl.PEMParser(reader)) {
            final PrivateKey key = new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter()
                    .getPrivateKey((org.bouncycastle.asn1.pkcs.PrivateKeyInfo) parser.readObject());
            final KeyStore p12 = KeyStore.getInstance("PKCS12");
            p12.load(null, null);
            p12.setKeyEntry("mail-push", key, password.toCharArray(),
                    new Certificate[]{credential.certificate(), caCertificate});
            final Path file = directory.resolve(fileName);
            try (OutputStream out = Files.newOutputStream(file)) {
                p12.store(out, password.toCharArray());
            }
            ownerOnly(file);
            return file;
        } catch (final IOException e) {
            throw new UncheckedIOException("could not write " + fileName, e);
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("could not write " + fileName, e);
        }
    }

    /**
     * Writes an APNs token-authentication key ({@code AuthKey_<keyId>.p8}, an unencrypted PKCS#8 EC P-256 key, as
     * Apple hands them out) and returns its key id.
     */
    public TokenKeyFiles writeTokenKey(final String topic) {
        try {
            final KeyPair keys = ecKeys();
            final String keyId = UUID.randomUUID().toString().replace("-", "").substring(0, 10).toUpperCase();
            final Path file = directory.resolve("AuthKey_" + keyId + ".p8");
            writePem(file, new JcaPKCS8Generator(keys.getPrivate(), null).generate());
            ownerOnly(file);
            return new TokenKeyFiles(file, TEAM_ID, keyId, topic, keys);
        } catch (final IOException e) {
            throw new UncheckedIOException("could not write the example token key", e);
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("could not make the example token key", e);
        }
    }

    public Path directory() {
        return directory;
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** The CA certificate (PEM): what a client trusts to reach the mock APNs server, and what the server trusts. */
    public Path caCertificateFile() {
        return caCertificateFile;
    }

    /** The {@code localhost} server certificate chain (PEM) for a mock APNs server. */
    public Path serverCertificateFile() {
        return serverCertificateFile;
    }

    /** The server's private key (PKCS#8 PEM, unencrypted), the form Pushy's {@code MockApnsServerBuilder} reads. */
    public Path serverKeyFile() {
        return serverKeyFile;
    }

    /** The default mail push client credential made by {@link #create(Path)}. */
    public ClientCredentialFiles client() {
        return client;
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).abs().add(BigInteger.ONE);
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static KeyPair rsaKeys() throws GeneralSecurityException {
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, RANDOM);
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(final X509v3CertificateBuilder builder, final PrivateKey issuerKey)
            throws OperatorCreationException, GeneralSecurityException {
        final String algorithm = "EC".equals(issuerKey.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        final ContentSigner signer = new JcaContentSignerBuilder(algorithm).build(issuerKey);
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static void ownerOnly(final Path... files) throws IOException {
        for (final Path file : files) {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
    }

    private static void writePem(final Path file, final Object... objects) throws IOException {
        final StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (final Object object : objects) {
                if (object instanceof PemObject pem) {
                    writer.writeObject(pem);
                } else {
                    writer.writeObject(object);
                }
            }
        }
        Files.writeString(file, text.toString(), StandardCharsets.US_ASCII);
    }

    /** What a client certificate looks like: its topic (subject UID), validity and Apple environment OIDs. */
    public record ClientSpec(String topic, String commonName, Instant notBefore, Instant notAfter,
                             List<String> environmentOids) {

        public ClientSpec {
            Objects.requireNonNull(commonName, "commonName");
            Objects.requireNonNull(notBefore, "notBefore");
            Objects.requireNonNull(notAfter, "notAfter");
            environmentOids = List.copyOf(environmentOids);
        }

        /** A mail push certificate with a fresh topic, both environments, valid from an hour ago for a year. */
        public static ClientSpec mail() {
            final String uuid = UUID.randomUUID().toString().toUpperCase();
            final Instant now = Instant.now();
            return new ClientSpec("com.apple.mail.XServer." + uuid, "APSP:" + uuid,
                    now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365)),
                    List.of(APPLE_PUSH_DEVELOPMENT_OID, APPLE_PUSH_PRODUCTION_OID));
        }

        public ClientSpec withTopic(final String newTopic) {
            return new ClientSpec(newTopic, commonName, notBefore, notAfter, environmentOids);
        }

        public ClientSpec withValidity(final Instant from, final Instant until) {
            return new ClientSpec(topic, commonName, from, until, environmentOids);
        }

        public ClientSpec withEnvironments(final String... oids) {
            return new ClientSpec(topic, commonName, notBefore, notAfter, List.of(oids));
        }
    }

    /** The files of one issued client credential. */
    public record ClientCredentialFiles(String topic, X509Certificate certificate, Path certificateFile,
                                        Path keyFile, Path encryptedKeyFile, Path p12File, Path p12PasswordFile) {
    }

    /** An APNs token key ({@code .p8}) with the team id, key id and topic it is used with. */
    public record TokenKeyFiles(Path p8File, String teamId, String keyId, String topic, KeyPair keys) {
    }
}
