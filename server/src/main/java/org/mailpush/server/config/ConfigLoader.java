package org.mailpush.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads and validates the YAML configuration: {@link ConfigBinding} binds each section to the settings record of
 * the module that uses it (defaults and ranges are theirs), {@link ConfigValidator} checks the rules that span keys.
 * Every problem becomes a {@link ConfigException} naming the file, the key and what is wrong; unknown keys are
 * errors. Relative file paths are resolved against the configuration file's folder. Stateless.
 */
public final class ConfigLoader {

    public static final String DEFAULT_FILE = "/etc/mailpush/mailpush.yaml";

    private ConfigLoader() {
    }

    public static MailpushConfig load(final Path file) throws ConfigException {
        final String text;
        try {
            text = Files.readString(file);
        } catch (final NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (final IOException e) {
            throw new ConfigException(file + ": cannot read it (" + e.getMessage() + ")");
        }
        try {
            return parse(text, file);
        } catch (final ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses configuration text as if it were {@code file} (relative paths resolve against its folder). */
    public static MailpushConfig parse(final String text, final Path file) throws ConfigException {
        final JsonNode tree;
        try {
            tree = ConfigBinding.readTree(text);
        } catch (final JacksonException e) {
            final String where = e.getLocation() != null ? " at line " + e.getLocation().getLineNr() : "";
            throw new ConfigException("not valid YAML" + where + ": " + oneLine(e.getOriginalMessage()));
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw new ConfigException("is empty; it needs at least apns.credentials and an event source (cyrus)");
        }
        if (!(tree instanceof ObjectNode root)) {
            throw new ConfigException("must be a mapping of sections ("
                    + String.join(", ", ConfigBinding.keysOf(ConfigFile.class).keySet()) + ")");
        }
        // "xapsd:" written without a value means "on, with the defaults", not "left out".
        for (final String door : new String[] {"intake", "xapsd"}) {
            if (root.has(door) && root.get(door).isNull()) {
                root.putObject(door);
            }
        }
        ConfigBinding.refuseUnknownKeys(root, "", ConfigFile.class);
        if (root.get("apns") == null || root.get("apns").isNull()) {
            throw new ConfigException("apns: is required (at least one credential under apns.credentials)");
        }
        final Path base = file.toAbsolutePath().getParent();
        final ConfigFile bound = ConfigBinding.bind(root, ConfigFile.class, base);
        return ConfigValidator.validate(file.toAbsolutePath(), bound);
    }

    /**
     * Refuses a configuration without any door for registrations and events. Checked when a process takes events
     * in (not for {@code --role pusher}, which only sends what the intake queued).
     */
    public static void requireEventSource(final MailpushConfig config) throws ConfigException {
        if (config.cyrus().isEmpty() && config.imapProxy().isEmpty() && config.intake().isEmpty()
                && config.xapsd().isEmpty()) {
            throw new ConfigException(config.source() + ": cyrus: is required: mailpush needs a source of"
                    + " registrations and events (cyrus.notify-socket; or for Dovecot imap-proxy with intake, or"
                    + " xapsd)");
        }
    }

    /**
     * Refuses a configuration without APNs credentials for a process that pushes (every role but the intake of a
     * split install, which names only {@code apns.topic} so that it never even knows where the key is).
     */
    public static void requireCredentials(final MailpushConfig config) throws ConfigException {
        if (config.apns().credentials().isEmpty()) {
            throw new ConfigException(config.source() + ": apns.credentials: is required to push: at least one of"
                    + " p12, pem or p8 (this configuration can only run --role intake)");
        }
    }

    /** SnakeYAML's messages quote the offending text with a caret over several lines; keep the sentences. */
    private static String oneLine(final String message) {
        final StringBuilder line = new StringBuilder();
        for (final String part : message.split("\\R")) {
            if (!part.isBlank() && !Character.isWhitespace(part.charAt(0))) {
                line.append(line.length() > 0 ? ": " : "").append(part.strip());
            }
        }
        return line.toString();
    }
}
