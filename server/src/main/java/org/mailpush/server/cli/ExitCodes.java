package org.mailpush.server.cli;

/** What mailpush's exit codes mean (sysexits.h where one fits). */
final class ExitCodes {

    /** The demo or a check did not see what it expected. */
    static final int FAILED = 1;
    /** Bad configuration: EX_CONFIG. */
    static final int CONFIG = 78;

    private ExitCodes() {
    }
}
