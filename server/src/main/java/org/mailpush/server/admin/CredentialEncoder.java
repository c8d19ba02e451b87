package org.mailpush.server.admin;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;

/** Encodes a certificate chain and key as PKCS#12 or PEM, the forms {@code apns.credentials} entries read. */
final class CredentialEncoder {

    private static final BouncyCastleProvider BOUNCY_CASTLE = new BouncyCastleProvider();
    private static final SecureRandom RANDOM = new SecureRandom();

    private CredentialEncoder() {
    }

    static byte[] pkcs12(final List<X509Certificate> chain, final PrivateKey key, final char[] password)
            throws IOException {
        try {
            final KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("mail-push", key, password, chain.toArray(new Certificate[0]));
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            store.store(out, password);
            return out.toByteArray();
        } catch (final GeneralSecurityException e) {
            throw new IOException("cannot encode the credential as PKCS#12: " + e.getMessage(), e);
        }
    }

    static byte[] pemCertificates(final List<X509Certificate> chain) throws IOException {
        final StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (final X509Certificate certificate : chain) {
                writer.writeObject(certificate);
            }
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** PKCS#8 PEM; encrypted (AES-256-CBC, PBES2) when a password is given. */
    static byte[] pemKey(final PrivateKey key, final char[] password) throws IOException {
        final StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            OutputEncryptor encryptor = null;
            if (password != null && password.length > 0) {
                encryptor = new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                        .setProvider(BOUNCY_CASTLE).setRandom(RANDOM).setPassword(password).build();
            }
            writer.writeObject(new JcaPKCS8Generator(key, encryptor).generate());
        } catch (final OperatorCreationException e) {
            throw new IOException("cannot encrypt the private key: " + e.getMessage(), e);
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** A random password for a PKCS#12 file mailpush writes: 32 characters from a URL-safe alphabet. */
    static char[] randomPassword() {
        final String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        final char[] password = new char[32];
        for (int i = 0; i < password.length; i++) {
            password[i] = alphabet.charAt(RANDOM.nextInt(alphabet.length()));
        }
        return password;
    }
}
