package org.mailpush.certs.example;

import java.nio.file.Path;

/**
 * Command-line entry of {@link ExamplePki}: {@code GenerateExampleCertificates DIR} writes a throwaway CA, a
 * {@code localhost} server certificate and a mail push client certificate into {@code DIR} and prints what it made.
 * {@code certs-example/generate.sh} runs it.
 */
public final class GenerateExampleCertificates {

    private GenerateExampleCertificates() {
    }

    public static void main(final String[] args) {
        if (args.length != 1 || args[0].startsWith("-")) {
            System.err.println("usage: generate.sh DIR   (writes throwaway example certificates into DIR)");
            System.exit(2);
        }
        final ExamplePki pki = ExamplePki.create(Path.of(args[0]));
        final ExamplePki.ClientCredentialFiles client = pki.client();
        final ExamplePki.TokenKeyFiles tokenKey = pki.writeTokenKey(client.topic());
        System.out.println("Throwaway example certificates (never use them in production) in " + pki.directory());
        System.out.println("  CA certificate          " + pki.caCertificateFile());
        System.out.println("  mock APNs server        " + pki.serverCertificateFile() + " + " + pki.serverKeyFile());
        System.out.println("  mail push client (PEM)  " + client.certificateFile() + " + " + client.keyFile());
        System.out.println("  mail push client (p12)  " + client.p12File() + " (password in "
                + client.p12PasswordFile() + ")");
        System.out.println("  topic (subject UID)     " + client.topic());
        System.out.println("  token key (.p8)         " + tokenKey.p8File() + " team " + tokenKey.teamId()
                + " key " + tokenKey.keyId());
    }
}
