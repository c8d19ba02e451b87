package org.mailpush.certs.example;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;

import static org.assertj.core.api.Assertions.assertThat;

class ExamplePkiTest {

    @Test
    void clientCertificateIsShapedLikeApplesMailPushCertificate(@TempDir final Path dir) throws Exception {
        final ExamplePki pki = ExamplePki.create(dir);
        final X509Certificate client = pki.client().certificate();

        assertThat(pki.client().topic()).startsWith("com.apple.mail.XServer.");
        assertThat(client.getSubjectX500Principal().getName()).startsWith("UID=" + pki.client().topic() + ",");
        assertThat(client.getNonCriticalExtensionOIDs())
                .contains(ExamplePki.APPLE_PUSH_DEVELOPMENT_OID, ExamplePki.APPLE_PUSH_PRODUCTION_OID);
        client.verify(pki.caCertificate().getPublicKey());
    }

    @Test
    void writesEveryFileAndTheP12OpensWithItsPassword(@TempDir final Path dir) throws Exception {
        final ExamplePki pki = ExamplePki.create(dir);
        assertThat(pki.caCertificateFile()).exists();
        assertThat(pki.serverCertificateFile()).content().contains("BEGIN CERTIFICATE");
        assertThat(pki.serverKeyFile()).content().contains("BEGIN PRIVATE KEY");
        assertThat(pki.client().encryptedKeyFile()).content().contains("BEGIN ENCRYPTED PRIVATE KEY");

        final KeyStore p12 = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pki.client().p12File())) {
            p12.load(in, Files.readString(pki.client().p12PasswordFile()).strip().toCharArray());
        }
        assertThat(p12.getCertificate("mail-push")).isEqualTo(pki.client().certificate());
    }

    @Test
    void specsChangeTopicValidityAndEnvironments(@TempDir final Path dir) {
        final ExamplePki pki = ExamplePki.create(dir);
        final ExamplePki.ClientCredentialFiles noUid = pki.issueClient("no-uid",
                ExamplePki.ClientSpec.mail().withTopic(null).withEnvironments(ExamplePki.APPLE_PUSH_PRODUCTION_OID));
        assertThat(noUid.certificate().getSubjectX500Principal().getName()).doesNotContain("UID=");
        assertThat(noUid.certificate().getNonCriticalExtensionOIDs())
                .contains(ExamplePki.APPLE_PUSH_PRODUCTION_OID)
                .doesNotContain(ExamplePki.APPLE_PUSH_DEVELOPMENT_OID);
    }
}
