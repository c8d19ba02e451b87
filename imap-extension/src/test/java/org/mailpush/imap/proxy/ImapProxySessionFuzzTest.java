package org.mailpush.imap.proxy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole session fed by Jazzer: a phone and a server, both chosen by the fuzzer step by step, on
 * {@link SessionHarness}. The phone sends commands from IMAP's vocabulary (with tags from a small set, so that tags
 * repeat), literals of both kinds, IDLE, AUTHENTICATE, STARTTLS, COMPRESS, XAPPLEPUSHSERVICE, and raw bytes; the
 * server ({@link ServerModel}) reads what the proxy sends as a real server would and answers as the fuzzer says:
 * accepting or refusing logins and literals, and sending unsolicited data with literals whose bytes look like
 * protocol. After every step:
 * <ul>
 *   <li>framing never desynchronises: the server parses every command the proxy sends, and never receives one the
 *       proxy must keep (XAPPLEPUSHSERVICE, COMPRESS, STARTTLS, UNAUTHENTICATE, a login after a login, a tag still
 *       outstanding, anything but DONE during IDLE, an ID with x- fields);</li>
 *   <li>the session's user is only ever one the server accepted;</li>
 *   <li>no proxy output lands inside a server literal: the literals the phone receives are exactly the server's.</li>
 * </ul>
 */
class ImapProxySessionFuzzTest {

    private static final String[] TAGS = {"a", "b", "c", "x"};
    private static final String[] USERS = {"alice", "bob"};

    @FuzzTest(maxDuration = "30s")
    void proxySession(final FuzzedDataProvider data) {
        final boolean id = data.consumeBoolean();
        try (SessionHarness proxy = new SessionHarness(SessionHarness.plain()
                .forwardClientAddress(id ? ImapProxySettings.ClientAddress.ID : ImapProxySettings.ClientAddress.NONE)
                // With COMPRESS taken, this phone's plain bytes end the session: that is allowed, not often useful.
                .compress(data.consumeInt(0, 7) == 0).maxCommandLength(1024).build())) {
            final ServerModel server = new ServerModel(proxy, data);
            final PhoneView phone = new PhoneView();
            server.greet(id);
            // A session the proxy ended (the fuzzer's server broke the protocol, a line too long) ends the run.
            for (int step = 0; step < 60 && data.remainingBytes() > 0 && proxy.client.isOpen()
                    && proxy.server.isOpen(); step++) {
                if (data.consumeBoolean()) {
                    proxy.clientSends(phoneSends(data));
                } else {
                    server.step();
                }
                server.readWhatTheProxySent();
                phone.read(proxy.toClientBytes());
                final String user = proxy.user();
                assertThat(user == null || server.accepted.contains(user))
                        .as("the session's user %s is one the server accepted %s", user, server.accepted).isTrue();
                assertThat(phone.literals).as("the phone's literals are the server's").isEqualTo(
                        server.literalsSent.subList(0, Math.min(phone.literals.size(), server.literalsSent.size())));
            }
        }
    }

    /** One thing a phone (or anyone reaching port 143) sends. */
    private static byte[] phoneSends(final FuzzedDataProvider data) {
        final String tag = data.pickValue(TAGS);
        final String user = data.pickValue(USERS);
        final String text = switch (data.consumeInt(0, 15)) {
            case 0 -> tag + " NOOP\r\n";
            case 1 -> tag + " LOGIN " + user + " pw\r\n";
            case 2 -> tag + " LOGIN {" + user.length() + "}\r\n" + user + " pw\r\n";
            case 3 -> tag + " AUTHENTICATE PLAIN\r\n" + Base64.getEncoder().encodeToString(
                    ("\0" + user + "\0pw").getBytes(StandardCharsets.UTF_8)) + "\r\n";
            case 4 -> tag + " IDLE\r\n";
            case 5 -> "DONE\r\n";
            case 6 -> tag + " XAPPLEPUSHSERVICE aps-version 2 aps-account-id A aps-device-token "
                    + "2918390218931890821908309283098109381029309829018310983092892829 aps-subtopic "
                    + "com.apple.mobilemail mailboxes (INBOX Sent)\r\n";
            case 7 -> tag + " APPEND INBOX {5}\r\n";
            case 8 -> tag + " APPEND INBOX {5+}\r\n" + "x NOO" + "\r\n";
            case 9 -> tag + " STARTTLS\r\n";
            case 10 -> tag + " COMPRESS DEFLATE\r\n";
            case 11 -> tag + " ID (\"name\" \"x\" \"x-originating-ip\" \"198.51.100.1\")\r\n";
            case 12 -> tag + " FETCH 1 BODY[]\r\n";
            case 13 -> tag + " UNAUTHENTICATE\r\n";
            default -> new String(data.consumeBytes(40), StandardCharsets.ISO_8859_1);
        };
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * A server that reads the proxy's bytes as Dovecot would (commands, literals counted after its {@code +}, IDLE
     * until DONE, AUTHENTICATE one response per challenge) and answers each as the fuzzer chooses.
     */
    private static final class ServerModel {

        private enum Mode { COMMAND, LITERAL, IDLE, SASL }

        private final SessionHarness proxy;
        private final FuzzedDataProvider data;
        final List<String> accepted = new ArrayList<>();
        final List<String> literalsSent = new ArrayList<>();
        private final StringBuilder input = new StringBuilder();
        private final Deque<String> unanswered = new ArrayDeque<>();
        private final List<String> outstanding = new ArrayList<>();
        private Mode mode = Mode.COMMAND;
        private long literal;
        private String command = "";
        private String waitingTag;
        private boolean waitingSync;
        private String idleTag;
        private String saslTag;
        private boolean loggedIn;
        private boolean introduced;

        ServerModel(final SessionHarness proxy, final FuzzedDataProvider data) {
            this.proxy = proxy;
            this.data = data;
        }

        void greet(final boolean withId) {
            proxy.serverSends("* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE ID NAMESPACE] ready\r\n");
            introduced = !withId;
            readWhatTheProxySent();
        }

        private void send(final String text) {
            if (!proxy.server.isOpen()) {
                return; // the proxy closed the connection (this model broke the protocol): nothing more to say
            }
            proxy.serverSends(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        /** Answers the oldest command waiting, or a continuation, or sends unsolicited data. */
        void step() {
            if (waitingTag != null) {
                final String tag = waitingTag;
                waitingTag = null;
                if (data.consumeBoolean()) {
                    if (waitingSync) {
                        mode = literal > 0 ? Mode.LITERAL : Mode.COMMAND;
                    }
                    send("+ go ahead\r\n");
                } else {
                    // Refused before its +: the next bytes are a new command.
                    mode = Mode.COMMAND;
                    command = "";
                    idleTag = null;
                    saslTag = null;
                    answer(tag, "NO refused");
                }
                return;
            }
            if (!unanswered.isEmpty() && data.consumeBoolean()) {
                final String next = unanswered.poll();
                final String[] words = next.split(" ", 4);
                final String tag = words[0];
                final String name = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
                if (name.equals("LOGIN")) {
                    if (!loggedIn && words.length > 2 && data.consumeBoolean()) {
                        loggedIn = true;
                        accepted.add(loginUser(next));
                        answer(tag, "OK [CAPABILITY IMAP4rev1 IDLE] Logged in");
                    } else {
                        answer(tag, "NO [AUTHENTICATIONFAILED] Authentication failed.");
                    }
                } else if (name.equals("NAMESPACE")) {
                    send("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
                    answer(tag, "OK done");
                } else if (name.equals("FETCH") && data.consumeBoolean()) {
                    final String body = new String(data.consumeBytes(30), StandardCharsets.ISO_8859_1);
                    literalsSent.add(body);
                    send("* 1 FETCH (BODY[] {" + body.length() + "}\r\n" + body + ")\r\n");
                    answer(tag, "OK done");
                } else {
                    answer(tag, data.consumeBoolean() ? "OK done" : "NO no {3}");
                }
                return;
            }
            if (!introduced) {
                return; // before the proxy's ID is answered, what the server says is not the phone's to see
            }
            if (data.consumeBoolean()) {
                final String body = new String(data.consumeBytes(30), StandardCharsets.ISO_8859_1);
                literalsSent.add(body);
                send("* 2 FETCH (BODY[TEXT] {" + body.length() + "}\r\n" + body + ")\r\n");
            } else {
                send("* 3 EXISTS\r\n");
            }
        }

        private void answer(final String tag, final String status) {
            outstanding.remove(tag);
            if (tag.equals(UpstreamConnector.ID_TAG)) {
                introduced = true;
            }
            if (tag.equals(idleTag)) {
                idleTag = null;
                mode = Mode.COMMAND;
            }
            if (tag.equals(saslTag)) {
                saslTag = null;
                mode = Mode.COMMAND;
            }
            send(tag + " " + status + "\r\n");
        }

        /** Parses what the proxy sent as the server would, checking that nothing it must keep got through. */
        void readWhatTheProxySent() {
            input.append(proxy.toServerBytes());
            while (true) {
                if (waitingTag != null) {
                    assertThat(input.toString()).as("bytes before the server's + or answer").isEmpty();
                    return;
                }
                if (mode == Mode.LITERAL) {
                    final int take = (int) Math.min(literal, input.length());
                    command = command + input.substring(0, take);
                    input.delete(0, take);
                    literal -= take;
                    if (literal > 0) {
                        return;
                    }
                    mode = Mode.COMMAND;
                    continue;
                }
                final int end = input.indexOf("\r\n");
                if (end < 0) {
                    return;
                }
                final String line = input.substring(0, end);
                input.delete(0, end + 2);
                switch (mode) {
                    case IDLE -> {
                        assertThat(line).as("only DONE reaches the server during IDLE").isEqualToIgnoringCase("DONE");
                        mode = Mode.COMMAND;
                        unanswered.add(idleTag + " IDLE");
                    }
                    case SASL -> {
                        assertThat(line).as("a SASL response has no literal").doesNotContain("{");
                        final String name = saslUser(line);
                        unanswered.add(saslTag + " LOGIN " + (name == null ? "" : name) + " pw");
                        mode = Mode.COMMAND;
                    }
                    default -> commandLine(line);
                }
            }
        }

        /** The user of a LOGIN line as the server reads it (an atom or a quoted string after tag and name). */
        private static String loginUser(final String line) {
            final String arguments = line.split(" ", 3)[2];
            try {
                // Only the arguments: a tag may hold "[", which a reader of responses takes for a section.
                return new org.mailpush.imap.codec.ImapReader((arguments + "\r\n").getBytes(
                        StandardCharsets.ISO_8859_1))
                        .next().text();
            } catch (final org.mailpush.imap.codec.ImapSyntaxException e) {
                return arguments.split(" ", 2)[0];
            }
        }

        private static String saslUser(final String base64) {
            try {
                final String[] parts = new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8)
                        .split("\0", -1);
                return parts.length == 3 ? (parts[0].isEmpty() ? parts[1] : parts[0]) : null;
            } catch (final IllegalArgumentException e) {
                return null;
            }
        }

        private void commandLine(final String line) {
            final boolean first = command.isEmpty();
            final java.util.regex.Matcher marker = java.util.regex.Pattern.compile("\\{(\\d+)(\\+?)}$").matcher(line);
            final boolean announces = marker.find();
            // The command with its literals inline in place of their markers: "a LOGIN {5}" + "alice" + " pw".
            command = command + (announces ? line.substring(0, marker.start()) : line);
            final String tag = command.split(" ", 2)[0];
            if (first) {
                check(command);
                outstanding.add(tag);
            }
            if (announces) {
                literal = Long.parseLong(marker.group(1));
                if (marker.group(2).isEmpty()) {
                    waitingTag = tag;
                    waitingSync = true;
                } else {
                    mode = literal > 0 ? Mode.LITERAL : Mode.COMMAND;
                }
                return;
            }
            final String whole = command;
            command = "";
            final String[] words = whole.split(" ", 3);
            final String name = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
            if (name.equals("IDLE")) {
                idleTag = tag;
                waitingTag = tag;
                waitingSync = false;
                mode = Mode.IDLE;
            } else if (name.equals("AUTHENTICATE")) {
                saslTag = tag;
                waitingTag = tag;
                waitingSync = false;
                mode = Mode.SASL;
            } else {
                unanswered.add(whole);
            }
        }

        private void check(final String line) {
            final String[] words = line.split(" ", 3);
            final String tag = words[0];
            if (tag.startsWith("mailpush")) {
                return; // the proxy's own: its ID names the client with x- fields, as it should
            }
            final String name = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
            assertThat(name).as("kept by the proxy: " + line).isNotIn("XAPPLEPUSHSERVICE", "COMPRESS", "STARTTLS",
                    "UNAUTHENTICATE");
            assertThat(outstanding).as("a tag still outstanding: " + line).doesNotContain(tag);
            if (name.equals("LOGIN") || name.equals("AUTHENTICATE")) {
                assertThat(loggedIn).as("a login after the server accepted one: " + line).isFalse();
                assertThat(outstanding).as("a login sharing the wire: " + line).isEmpty();
            }
            if (name.equals("ID")) {
                assertThat(line.toLowerCase(Locale.ROOT)).as("an ID with x- fields: " + line).doesNotContain("\"x-");
            }
        }
    }

    /** What the phone receives, read as a phone would: lines, and the literals data responses announce. */
    private static final class PhoneView {

        final List<String> literals = new ArrayList<>();
        private final StringBuilder input = new StringBuilder();
        private long literal = -1;

        void read(final String bytes) {
            input.append(bytes);
            while (true) {
                if (literal >= 0) {
                    if (input.length() < literal) {
                        return;
                    }
                    literals.add(input.substring(0, (int) literal));
                    input.delete(0, (int) literal);
                    literal = -1;
                }
                final int end = input.indexOf("\r\n");
                if (end < 0) {
                    return;
                }
                final String line = input.substring(0, end);
                input.delete(0, end + 2);
                final java.util.regex.Matcher marker = java.util.regex.Pattern.compile("\\{(\\d+)}$").matcher(line);
                if (line.startsWith("* ") && line.matches("^\\* \\d+ FETCH .*") && marker.find()) {
                    literal = Long.parseLong(marker.group(1));
                }
            }
        }
    }
}
