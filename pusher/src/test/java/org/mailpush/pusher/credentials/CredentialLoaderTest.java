package org.mailpush.pusher.credentials;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CredentialLoaderTest {

    @TempDir
    static Path dir;
    static ExamplePki pki;
    static final char[] PASSWORD = ExamplePki.PASSWORD.toCharArray();

    @BeforeAll
    static void makeCertificates() {
        pki = ExamplePki.create(dir);
    }

    @Test
    void pkcs12GivesTheTopicFromTheSubjectUid() throws Exception {
        final CertificateCredential credential = CredentialLoader.loadPkcs12(pki.client().p12File(), PASSWORD);
        assertThat(credential.topic()).isEqualTo(pki.client().topic()).startsWith("com.apple.mail.XServer.");
        assertThat(credential.certificate()).isEqualTo(pki.client().certificate());
        assertThat(credential.environments())
                .containsExactlyInAnyOrder(ApnsEnvironment.DEVELOPMENT, ApnsEnvironment.PRODUCTION);
        assertThat(credential.notAfter()).contains(pki.client().certificate().getNotAfter().toInstant());
    }

    @Test
    void wrongPkcs12PasswordIsNamedWithoutTheFileContent() {
        assertThatThrownBy(() -> CredentialLoader.loadPkcs12(pki.client().p12File(), "nope".toCharArray()))
                .isInstanceOf(CredentialException.class)
                .hasMessage(pki.client().p12File() + ": wrong password for this PKCS#12 file");
    }

    @Test
    void pemCertificateWithItsOwnKeyFile() throws Exception {
        final CertificateCredential credential =
                CredentialLoader.loadPem(pki.client().certificateFile(), pki.client().keyFile(), null);
        assertThat(credential.topic()).isEqualTo(pki.client().topic());
    }

    @Test
    void pemCertificateAndKeyInOneFile() throws Exception {
        final Path combined = dir.resolve("combined.pem");
        Files.writeString(combined, Files.readString(pki.client().certificateFile())
                + Files.readString(pki.client().keyFile()));
        assertThat(CredentialLoader.loadPem(combined, null, null).topic()).isEqualTo(pki.client().topic());
    }

    @Test
    void encryptedPemKeyNeedsTheRightPassword() throws Exception {
        final Path cert = pki.client().certificateFile();
        final Path key = pki.client().encryptedKeyFile();
        assertThat(CredentialLoader.loadPem(cert, key, PASSWORD).topic()).isEqualTo(pki.client().topic());
        assertThatThrownBy(() -> CredentialLoader.loadPem(cert, key, null))
                .hasMessageContaining(key.toString()).hasMessageContaining("encrypted");
        assertThatThrownBy(() -> CredentialLoader.loadPem(cert, key, "wrong".toCharArray()))
                .hasMessageContaining(key.toString()).hasMessageContaining("wrong password");
    }

    @Test
    void keyOfAnotherCertificateIsRefused() {
        final ExamplePki.ClientCredentialFiles other = pki.issueClient("other", ExamplePki.ClientSpec.mail());
        assertThatThrownBy(() -> CredentialLoader.loadPem(pki.client().certificateFile(), other.keyFile(), null))
                .hasMessageContaining("does not belong to the certificate");
    }

    @Test
    void certificateWithoutUidIsRefused() {
        final ExamplePki.ClientCredentialFiles noUid =
                pki.issueClient("no-uid", ExamplePki.ClientSpec.mail().withTopic(null));
        assertThatThrownBy(() -> CredentialLoader.loadPkcs12(noUid.p12File(), PASSWORD))
                .hasMessageContaining(noUid.p12File().toString())
                .hasMessageContaining("no UID");
    }

    @Test
    void missingFilesAreNamed() {
        final Path missing = dir.resolve("missing.p12");
        assertThatThrownBy(() -> CredentialLoader.loadPkcs12(missing, PASSWORD))
                .hasMessage(missing + ": no such file");
        assertThatThrownBy(() -> CredentialLoader.loadPem(missing, null, null))
                .hasMessage(missing + ": no such file");
    }

    @Test
    void tokenKeyWithTeamAndKeyIds() throws Exception {
        final ExamplePki.TokenKeyFiles key = pki.writeTokenKey("com.apple.mail.XServer.TOKEN");
        final TokenKeyCredential credential =
                CredentialLoader.loadTokenKey(key.p8File(), key.teamId(), key.keyId(), key.topic());
        assertThat(credential.teamId()).isEqualTo(ExamplePki.TEAM_ID);
        assertThat(credential.keyId()).isEqualTo(key.keyId());
        assertThat(credential.topic()).isEqualTo("com.apple.mail.XServer.TOKEN");
        assertThatThrownBy(() -> CredentialLoader.loadTokenKey(key.p8File(), "short", key.keyId(), key.topic()))
                .hasMessageContaining("team id");
    }
}
