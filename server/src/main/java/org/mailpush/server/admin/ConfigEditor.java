package org.mailpush.server.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Adds an entry to the {@code apns.credentials} list of a mailpush.yaml as text, so the admin's comments, order and
 * layout stay as they were. Only the block style the documentation uses is edited; anything else (a flow list, no
 * {@code apns:} section) is left to the admin, with the lines to add.
 */
final class ConfigEditor {

    private ConfigEditor() {
    }

    /**
     * @param item the new entry's lines without indentation, the first one starting with {@code "- "}
     * @return the new text, empty when the list could not be found in block style
     */
    static Optional<String> appendCredential(final String text, final List<String> item) {
        final List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        int apns = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).matches("apns:\\s*(#.*)?")) {
                apns = i;
                break;
            }
        }
        if (apns < 0) {
            return Optional.empty();
        }
        int credentials = -1;
        int keyIndent = -1;
        for (int i = apns + 1; i < lines.size(); i++) {
            final String line = lines.get(i);
            if (isBlankOrComment(line)) {
                continue;
            }
            final int indent = indent(line);
            if (indent == 0) {
                break;
            }
            if (line.trim().matches("credentials:\\s*(#.*)?")) {
                credentials = i;
                keyIndent = indent;
                break;
            }
        }
        if (credentials < 0) {
            return Optional.empty();
        }
        int itemIndent = -1;
        int end = lines.size();
        int lastContent = credentials;
        for (int i = credentials + 1; i < lines.size(); i++) {
            final String line = lines.get(i);
            if (isBlankOrComment(line)) {
                continue;
            }
            final int indent = indent(line);
            if (itemIndent < 0) {
                if (!line.trim().startsWith("- ") || indent < keyIndent) {
                    return Optional.empty();
                }
                itemIndent = indent;
            }
            if (indent < itemIndent || (indent == itemIndent && !line.trim().startsWith("-"))
                    || (indent <= keyIndent && itemIndent > keyIndent)) {
                end = i;
                break;
            }
            lastContent = i;
        }
        if (itemIndent < 0) {
            return Optional.empty();
        }
        final String pad = " ".repeat(itemIndent);
        final List<String> added = new ArrayList<>();
        for (final String line : item) {
            added.add(pad + (line.startsWith("- ") ? line : "  " + line));
        }
        lines.addAll(Math.min(lastContent + 1, end), added);
        return Optional.of(String.join("\n", lines));
    }

    private static boolean isBlankOrComment(final String line) {
        final String trimmed = line.trim();
        return trimmed.isEmpty() || trimmed.startsWith("#");
    }

    private static int indent(final String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) == ' ') {
            i++;
        }
        return i;
    }
}
