package org.mailpush.imap.proxy;

import org.mailpush.testing.CyrusServer;

import java.nio.file.Path;
import java.util.List;

/** The proxy in front of Debian's Cyrus IMAP 3.6 (which speaks XAPPLEPUSHSERVICE itself; the proxy answers). */
class CyrusProxyIT extends ProxyInteropContract {

    @Override
    Upstream startUpstream(final Path folder) throws Exception {
        final CyrusServer cyrus = CyrusServer.start(folder, new CyrusServer.Settings(
                "com.apple.mail.XServer.CYRUS-OWN", folder.resolve("notify").toString(), true, true, List.of(USER,
                        VICTIM)));
        return new Upstream() {
            @Override
            public int imapPort() {
                return cyrus.imapPort();
            }

            @Override
            public int lmtpPort() {
                return cyrus.lmtpPort();
            }

            @Override
            public void close() {
                cyrus.close();
            }
        };
    }
}
