package org.mailpush.server.ops;

import java.util.List;
import java.util.Map;

/**
 * Whether the service can do its job now, and if not, why: the body of {@code /readyz}.
 *
 * @param problems one line per thing that is wrong; empty when ready
 * @param checks   what each check found, for the JSON body (no tokens, no account ids)
 */
public record Readiness(List<String> problems, Map<String, Object> checks) {

    public boolean ready() {
        return problems.isEmpty();
    }
}
