package org.mailpush.pusher.credentials;

/** Apple's two push environments, and the certificate extension OIDs that mark a certificate valid for each. */
public enum ApnsEnvironment {
    DEVELOPMENT("1.2.840.113635.100.6.3.1", "api.sandbox.push.apple.com"),
    PRODUCTION("1.2.840.113635.100.6.3.2", "api.push.apple.com");

    private final String oid;
    private final String host;

    ApnsEnvironment(final String oid, final String host) {
        this.oid = oid;
        this.host = host;
    }

    public String oid() {
        return oid;
    }

    /** Apple's gateway for this environment. */
    public String host() {
        return host;
    }
}
