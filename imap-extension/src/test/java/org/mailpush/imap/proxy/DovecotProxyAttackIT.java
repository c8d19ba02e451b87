package org.mailpush.imap.proxy;

import org.mailpush.testing.DovecotServer;

import java.nio.file.Path;
import java.util.List;

/** Attacks on the proxy in front of Debian's Dovecot 2.3. */
class DovecotProxyAttackIT extends ProxyAttackContract {

    @Override
    Upstream startUpstream(final Path folder) throws Exception {
        final DovecotServer dovecot = DovecotServer.start(folder, List.of(USER, VICTIM), List.of());
        return new Upstream() {
            @Override
            public int imapPort() {
                return dovecot.imapPort();
            }

            @Override
            public int lmtpPort() {
                return dovecot.lmtpPort();
            }

            @Override
            public void close() {
                dovecot.close();
            }
        };
    }
}
