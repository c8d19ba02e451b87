package org.mailpush.notifyd.cyrus;

/**
 * The imapd.conf settings that decide how Cyrus's internal mailbox names map to what a client sees. They must match
 * the Cyrus mailpush listens to.
 *
 * @param altNamespace     {@code altnamespace}: personal folders shown beside INBOX (the 3.x default) rather than
 *                         under it
 * @param unixHierarchySep {@code unixhierarchysep}: {@code /} as hierarchy separator (the 3.x default) rather
 *                         than {@code .}
 * @param virtDomains      {@code virtdomains} other than {@code off}: names carry {@code @domain}
 */
public record CyrusNamespace(boolean altNamespace, boolean unixHierarchySep, boolean virtDomains) {

    /** Cyrus 3.x defaults: altnamespace and unixhierarchysep on, no virtual domains. */
    public static final CyrusNamespace DEFAULT = new CyrusNamespace(true, true, false);

    public char separator() {
        return unixHierarchySep ? '/' : '.';
    }
}
