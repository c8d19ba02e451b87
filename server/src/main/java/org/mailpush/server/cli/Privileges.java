package org.mailpush.server.cli;

import com.sun.security.auth.module.UnixSystem;

/** Who this process runs as, from the kernel (not from {@code user.name}, which the environment can set). */
final class Privileges {

    private Privileges() {
    }

    static boolean isRoot() {
        return new UnixSystem().getUid() == 0;
    }
}
