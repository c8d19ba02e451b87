package org.mailpush.server.config;

import org.mailpush.pusher.CredentialSource;
import org.mailpush.pusher.credentials.ApnsCredential;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An {@code apns.credentials} entry as a source the pusher reloads when its files change. */
public final class ConfigCredentialSource implements CredentialSource {

    private final MailpushConfig.Credential entry;

    public ConfigCredentialSource(final MailpushConfig.Credential entry) {
        this.entry = entry;
    }

    @Override
    public List<Path> files() {
        final List<Path> files = new ArrayList<>();
        files.add(entry.file());
        if (entry.keyFile() != null) {
            files.add(entry.keyFile());
        }
        if (entry.passwordFile() != null) {
            files.add(entry.passwordFile());
        }
        return files;
    }

    @Override
    public ApnsCredential load() throws ConfigException {
        return CredentialFactory.load(entry);
    }

    @Override
    public String apnsHost() {
        return entry.environment().host();
    }
}
