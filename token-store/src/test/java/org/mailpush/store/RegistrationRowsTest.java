package org.mailpush.store;

import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.result.ResultBearing;
import org.jdbi.v3.core.result.ResultSetScanner;
import org.jdbi.v3.core.statement.Query;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The rows of registration × mailbox reduced to registrations: collected whole, or streamed one at a time. */
class RegistrationRowsTest {

    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

    @Test
    void rowsInAnyOrderAreCollectedIntoWholeRegistrationsInTheOrderTheyFirstAppear() {
        final String url = seeded();
        final List<Registration> found = Jdbi.create(h2(url)).withHandle(handle -> RegistrationRows.collect(handle
                .createQuery(RegistrationRows.SELECT_REGISTRATIONS
                        + " ORDER BY m.mailbox DESC NULLS LAST, r.account_id")));
        // Mailboxes descending: Work (ACC-3), Sent (ACC-1, ACC-2), INBOX (ACC-1, ACC-2), then ACC-4 without any.
        assertThat(found).extracting(Registration::accountId).containsExactly("ACC-3", "ACC-1", "ACC-2", "ACC-4");
        assertThat(found.get(1).mailboxes()).containsExactlyInAnyOrder("INBOX", "Sent");
        assertThat(found.get(2).mailboxes()).containsExactlyInAnyOrder("INBOX", "Sent");
        assertThat(found.get(3).mailboxes()).isEmpty();
        assertThat(found.get(3).username()).isEqualTo("dave");
    }

    /**
     * The export's path streams: each registration is handed on when the first row of the next is read, not after the
     * whole result, so an export of a million registrations holds one of them at a time.
     */
    @Test
    void rowsInKeyOrderAreHandedOnOneRegistrationAtATimeWhileReading() {
        final String url = seeded();
        final AtomicInteger rowsRead = new AtomicInteger();
        final List<Integer> readWhenHandedOn = new ArrayList<>();
        final List<Registration> handedOn = new ArrayList<>();
        final long count = Jdbi.create(h2(url)).withHandle(handle -> RegistrationRows.stream(counting(handle
                .createQuery(RegistrationRows.SELECT_REGISTRATIONS
                        + " ORDER BY r.account_id, r.device_token, m.mailbox"), rowsRead), registration -> {
                    handedOn.add(registration);
                    readWhenHandedOn.add(rowsRead.get());
                }));
        assertThat(count).isEqualTo(4);
        assertThat(handedOn).extracting(Registration::accountId).containsExactly("ACC-1", "ACC-2", "ACC-3", "ACC-4");
        // ACC-1 and ACC-2 have two rows each, ACC-3 and ACC-4 one: next() calls 1-2, 3-4, 5, 6, then the end (7).
        assertThat(readWhenHandedOn).containsExactly(3, 5, 6, 7);
        assertThat(handedOn.get(0).mailboxes()).containsExactly("INBOX", "Sent");
        assertThat(handedOn.get(3).mailboxes()).isEmpty();
    }

    /** Four registrations through the store (its schema, its SQL): two with two mailboxes, one with one, one with none.
     * */
    private static String seeded() {
        final String url = "jdbc:h2:mem:rows-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
        try (TokenStore store = new TokenStoreBuilder().url(url)
                .cache(TokenStoreBuilder.CacheMode.OFF, 1, Duration.ofMinutes(1)).build()) {
            store.registrations().registerAll(List.of(
                    registration("alice", "ACC-1", "INBOX", "Sent"),
                    registration("bob", "ACC-2", "INBOX", "Sent"),
                    registration("carol", "ACC-3", "Work"),
                    registration("dave", "ACC-4")));
        }
        return url;
    }

    private static Registration registration(final String user, final String account, final String... mailboxes) {
        return Registration.of(user, account, "a".repeat(64), "com.apple.mobilemail", 2, Set.of(mailboxes), null, T0);
    }

    private static JdbcDataSource h2(final String url) {
        final JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(url);
        return h2;
    }

    /** The query, counting the rows its result set is asked for (calls of {@code next()}). */
    private static ResultBearing counting(final Query query, final AtomicInteger next) {
        return new ResultBearing() {
            @Override
            public <R> R scanResultSet(final ResultSetScanner<R> scanner) {
                return query.scanResultSet((supplier, ctx) -> scanner.scanResultSet(() -> {
                    final ResultSet rs = supplier.get();
                    return (ResultSet) Proxy.newProxyInstance(ResultSet.class.getClassLoader(),
                            new Class<?>[]{ResultSet.class}, (proxy, method, args) -> {
                                if (method.getName().equals("next")) {
                                    next.incrementAndGet();
                                }
                                try {
                                    return method.invoke(rs, args);
                                } catch (final InvocationTargetException e) {
                                    throw e.getCause();
                                }
                            });
                }, ctx));
            }
        };
    }
}
