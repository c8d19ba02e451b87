package org.mailpush.pusher.credentials;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mailpush certs inspect} reads files an admin was handed: any bytes give an inspection (valid or with its
 * problems), never an exception. Seeds: PKCS#12, PEM and .p8 files of the example PKI.
 */
class CredentialFuzzTest {

    private static final CredentialInspector INSPECTOR = new CredentialInspector(Clock.systemUTC());
    private static final Path FILE;

    static {
        try {
            FILE = Files.createTempFile("mailpush-fuzz-", ".credential");
            FILE.toFile().deleteOnExit();
        } catch (final IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void credentialFile(final byte[] input) throws IOException {
        Files.write(FILE, input);
        final CredentialInspection withPassword = INSPECTOR.inspect(FILE, null, "mailpush-example".toCharArray(),
                "EXAMPLETM1", null, "com.apple.mail.XServer.fuzz");
        assertThat(withPassword.valid() || !withPassword.problems().isEmpty()).isTrue();
        final CredentialInspection without = INSPECTOR.inspect(FILE, null, null, null, null, null);
        assertThat(without.format()).isNotBlank();
    }
}
