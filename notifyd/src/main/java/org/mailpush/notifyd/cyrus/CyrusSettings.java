package org.mailpush.notifyd.cyrus;

import org.mailpush.common.settings.SettingException;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.mailpush.common.settings.Settings.inLongRange;
import static org.mailpush.common.settings.Settings.inRange;
import static org.mailpush.common.settings.Settings.orDefault;
import static org.mailpush.common.settings.Settings.required;

/**
 * {@code cyrus:} the notify socket Cyrus writes its events to. The one place these defaults and ranges are written;
 * a value left out ({@code null}) takes its default. Immutable.
 *
 * <p>How Cyrus names mailboxes needs no setting: every event's URI shows the separator and the domain
 * ({@link CyrusMailboxNames}), and routing matches a folder under either of altnamespace's forms. The three keys that
 * once mirrored imapd.conf ({@code altnamespace}, {@code unixhierarchysep}, {@code virtdomains}) are deprecated: still
 * read, so existing files load, but ignored; {@link #deprecatedKeysSet()} lists those a file sets, for the one
 * warning at start.</p>
 *
 * @param notifySocket     where mailpush listens: imapd.conf's {@code notifysocket}, {@code dlist:/path} for
 *                         Cyrus's stream mode (events acknowledged once queued on disk)
 * @param socketMode       the socket's permissions, octal ({@code 0660}); the owner must be able to write
 * @param socketGroup      the socket's group (Cyrus's, usually {@code mail}), {@code null} to leave it
 * @param eventNotifier    imapd.conf's {@code event_notifier} method name the datagrams carry
 * @param altnamespace     deprecated and ignored (was imapd.conf's {@code altnamespace}); {@code null} unless set
 * @param unixhierarchysep deprecated and ignored (was imapd.conf's {@code unixhierarchysep}); {@code null} unless set
 * @param virtdomains      deprecated and ignored (was imapd.conf's {@code virtdomains}); {@code null} unless set
 * @param maxDatagramBytes the largest event read; larger ones are refused and counted
 * @param queueDirectory   stream mode: where events wait until their pushes are answered
 * @param queueMaxBytes    stream mode: how much that queue may hold
 * @param imapdConf        Cyrus's imapd.conf, which {@code mailpush check} compares with these settings (read only)
 * @param cyrusConf        Cyrus's cyrus.conf, which {@code mailpush check} reads for Cyrus's own notifyd
 */
public record CyrusSettings(NotifySocket notifySocket, String socketMode, String socketGroup, String eventNotifier,
                            Boolean altnamespace, Boolean unixhierarchysep, Boolean virtdomains,
                            Integer maxDatagramBytes, Path queueDirectory, Long queueMaxBytes, Path imapdConf,
                            Path cyrusConf) {

    /** The {@code event_notifier} Cyrus names in its datagrams unless imapd.conf says otherwise. */
    public static final String DEFAULT_EVENT_NOTIFIER = "pusher";
    /** How much the stream mode's disk queue holds by default. */
    public static final long DEFAULT_QUEUE_MAX_BYTES = 256L * 1024 * 1024;

    /**
     * The notify socket's path and mode, as imapd.conf writes it: {@code /run/cyrus/notify} for datagrams,
     * {@code dlist:/run/cyrus/notify} for the stream that acknowledges every event.
     */
    public record NotifySocket(Path path, boolean streamMode) {

        private static final String STREAM_PREFIX = "dlist:";

        public NotifySocket {
            required("notify-socket", path);
        }

        /**
         * Reads imapd.conf's form; the path is as written (relative paths are resolved later, by the loader).
         *
         * @throws IllegalArgumentException when there is no path
         */
        public static NotifySocket parse(final String text) {
            final boolean stream = text.startsWith(STREAM_PREFIX);
            if ((stream ? text.substring(STREAM_PREFIX.length()) : text).isBlank()) {
                throw new IllegalArgumentException("needs a path, like /run/cyrus/socket/notify or"
                        + " dlist:/run/cyrus/socket/notify");
            }
            return new NotifySocket(Path.of(stream ? text.substring(STREAM_PREFIX.length()) : text), stream);
        }

        @Override
        public String toString() {
            return (streamMode ? STREAM_PREFIX : "") + path;
        }
    }

    public CyrusSettings {
        required("notify-socket", notifySocket);
        socketMode = orDefault(socketMode, "0660");
        if (!socketMode.matches("0?[0-7]{3}")) {
            throw new SettingException("socket-mode", "must be an octal mode like \"0660\", not \"" + socketMode
                    + "\"");
        }
        if (!permissions(socketMode).contains(PosixFilePermission.OWNER_WRITE)) {
            throw new SettingException("socket-mode", socketMode
                    + " leaves the socket unwritable even for its owner");
        }
        eventNotifier = orDefault(eventNotifier, DEFAULT_EVENT_NOTIFIER);
        maxDatagramBytes = inRange("max-datagram-bytes", maxDatagramBytes, NotifyDatagramParser.DEFAULT_MAX_BYTES,
                1024, 1024 * 1024);
        queueDirectory = orDefault(queueDirectory, Path.of("data/cyrus-queue"));
        queueMaxBytes = inLongRange("queue-max-bytes", queueMaxBytes, DEFAULT_QUEUE_MAX_BYTES, 8L * 1024 * 1024,
                Integer.MAX_VALUE);
        // Where Debian's and most distributions' Cyrus packages keep them.
        imapdConf = orDefault(imapdConf, Path.of("/etc/imapd.conf"));
        cyrusConf = orDefault(cyrusConf, Path.of("/etc/cyrus.conf"));
    }


    /** The socket's permissions as a set. */
    public Set<PosixFilePermission> socketPermissions() {
        return permissions(socketMode);
    }

    /**
     * The deprecated keys this section sets, as the file writes them ({@code cyrus.altnamespace}), in order; empty
     * when none is set. mailpush ignores their values: it reads Cyrus's namespace from each event.
     */
    public List<String> deprecatedKeysSet() {
        final List<String> set = new ArrayList<>(3);
        if (altnamespace != null) {
            set.add("cyrus.altnamespace");
        }
        if (unixhierarchysep != null) {
            set.add("cyrus.unixhierarchysep");
        }
        if (virtdomains != null) {
            set.add("cyrus.virtdomains");
        }
        return List.copyOf(set);
    }

    private static Set<PosixFilePermission> permissions(final String octal) {
        final String digits = octal.length() == 4 ? octal.substring(1) : octal;
        final StringBuilder symbolic = new StringBuilder();
        for (final char digit : digits.toCharArray()) {
            final int bits = digit - '0';
            symbolic.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-')
                    .append((bits & 1) != 0 ? 'x' : '-');
        }
        return PosixFilePermissions.fromString(symbolic.toString());
    }
}
