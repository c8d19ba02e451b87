package org.mailpush.server.admin;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The entries of Cyrus's {@code cyrus.conf} ({@code master/masterconf.c}): sections {@code START}, {@code SERVICES},
 * {@code EVENTS} and {@code DAEMON} in braces, one entry per line, a name followed by {@code key=value} or
 * {@code key="value"} arguments, {@code #} starting a comment. Only what {@code mailpush check} needs is kept: each
 * entry's section, name, arguments and line. Immutable.
 */
record CyrusConf(Path file, List<Entry> entries) {

    /** One entry, e.g. {@code notify cmd="notifyd" listen="/run/cyrus/socket/notify" proto="udp"} in SERVICES. */
    record Entry(String section, String name, Map<String, String> arguments, int line) {

        /** The program the entry runs: the first word of {@code cmd}, without its folder. */
        String program() {
            final String cmd = arguments.getOrDefault("cmd", "").strip();
            final String first = cmd.isEmpty() ? "" : cmd.split("\\s+")[0];
            return first.substring(first.lastIndexOf('/') + 1);
        }
    }

    private static final Pattern SECTION = Pattern.compile("([A-Za-z]+)\\s*\\{");
    private static final Pattern ARGUMENT = Pattern.compile("([A-Za-z_]+)=(\"[^\"]*\"|\\S+)");

    static CyrusConf read(final Path file) throws ImapdConf.UnreadableException {
        return parse(file, ImapdConf.lines(file));
    }

    static CyrusConf parse(final Path file, final List<String> lines) throws ImapdConf.UnreadableException {
        final List<Entry> entries = new ArrayList<>();
        String section = null;
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (section == null) {
                final Matcher opening = SECTION.matcher(line);
                if (!opening.lookingAt()) {
                    throw new ImapdConf.UnreadableException(file + " line " + (i + 1)
                            + " is outside any section (START, SERVICES, EVENTS, DAEMON)");
                }
                section = opening.group(1).toUpperCase(Locale.ROOT);
                continue;
            }
            if (line.startsWith("}")) {
                section = null;
                continue;
            }
            final String[] nameAndRest = line.split("\\s+", 2);
            final Map<String, String> arguments = new LinkedHashMap<>();
            if (nameAndRest.length > 1) {
                final Matcher argument = ARGUMENT.matcher(nameAndRest[1]);
                while (argument.find()) {
                    final String value = argument.group(2);
                    arguments.put(argument.group(1).toLowerCase(Locale.ROOT), value.startsWith("\"")
                            ? value.substring(1, value.length() - 1) : value);
                }
            }
            entries.add(new Entry(section, nameAndRest[0], Map.copyOf(arguments), i + 1));
        }
        if (section != null) {
            throw new ImapdConf.UnreadableException(file + " ends inside the " + section + " section (no })");
        }
        return new CyrusConf(file, List.copyOf(entries));
    }

    /** The SERVICES entries that run {@code program}. */
    List<Entry> servicesRunning(final String program) {
        return entries.stream().filter(e -> "SERVICES".equals(e.section()) && program.equals(e.program())).toList();
    }
}
