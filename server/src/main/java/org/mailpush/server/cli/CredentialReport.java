package org.mailpush.server.cli;

import org.mailpush.pusher.credentials.ApnsEnvironment;
import org.mailpush.pusher.credentials.CredentialInspection;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Prints a {@link CredentialInspection} for a person: one labelled line per fact, then warnings and problems. */
final class CredentialReport {

    private CredentialReport() {
    }

    static void print(final PrintWriter out, final CredentialInspection credential, final Instant now) {
        line(out, "file", credential.file().toString());
        line(out, "format", credential.format());
        if (credential.subject() != null) {
            line(out, "subject", credential.subject());
            line(out, "issuer", credential.issuer());
        }
        if (credential.topic() != null) {
            line(out, "topic", credential.topic());
            org.mailpush.pusher.credentials.PushTopics.kindOf(credential.topic())
                    .ifPresent(kind -> line(out, "pushes", kind.label()));
        }
        if (credential.teamId() != null || credential.keyId() != null) {
            line(out, "team id", String.valueOf(credential.teamId()));
            line(out, "key id", String.valueOf(credential.keyId()));
        }
        if (credential.subject() != null) {
            line(out, "environments", environments(credential));
        }
        if (credential.notBefore() != null) {
            line(out, "valid from", credential.notBefore().toString());
            final long days = Duration.between(now, credential.notAfter()).toDays();
            line(out, "valid until", credential.notAfter() + (now.isAfter(credential.notAfter()) ? " (expired "
                    + -days + " days ago)" : " (" + days + " days left)"));
        }
        if (credential.keyDescription() != null) {
            line(out, "key", credential.keyDescription() + (credential.keyMatches() == null ? ""
                    : credential.keyMatches() ? ", belongs to the certificate"
                    : ", does NOT belong to the certificate"));
        }
        for (final String warning : credential.warnings()) {
            out.println("warning: " + warning);
        }
        for (final String problem : credential.problems()) {
            out.println("problem: " + problem);
        }
        out.println(credential.valid() ? "VALID: mailpush can push with it" + (credential.warnings().isEmpty()
                ? "" : " (see the warnings)") : "INVALID: mailpush cannot push with it");
        out.flush();
    }

    static String environments(final CredentialInspection credential) {
        final List<String> names = new ArrayList<>();
        for (final ApnsEnvironment environment : ApnsEnvironment.values()) {
            if (credential.environments().contains(environment)) {
                names.add(environment.name().toLowerCase(Locale.ROOT) + " (" + environment.host() + ")");
            }
        }
        return names.isEmpty() ? "none marked" : String.join(", ", names);
    }

    private static void line(final PrintWriter out, final String label, final String value) {
        out.printf("%-13s %s%n", label, value);
    }
}
