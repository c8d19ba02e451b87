package org.mailpush.common.settings;

/**
 * A setting that is out of its range or missing, thrown by a settings record's constructor (and so by a builder
 * that validates through one). The message starts with the key as the configuration file writes it, relative to
 * the record ({@code max-attempts: must be a number in 1..100, not 0}); the configuration loader puts the path of
 * the record and the file in front of it.
 */
public final class SettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String key;

    public SettingException(final String key, final String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    /** The key, kebab-case, relative to the record that refused it. */
    public String key() {
        return key;
    }
}
