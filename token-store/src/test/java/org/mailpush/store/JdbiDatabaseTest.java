package org.mailpush.store;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * How an operation meets a database that went away ({@link JdbiDatabase#run}, a Resilience4j Retry): a connection
 * failure is tried again until the database answers or the failover timeout leaves no time to wait; any other failure
 * fails at once. The database is H2 in memory behind a data source that refuses connections while told to, as a
 * PostgreSQL primary being failed over does (SQL state 08001).
 */
class JdbiDatabaseTest {

    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();

    @Test
    void aRefusedConnectionIsTriedAgainUntilTheDatabaseAnswers() throws Exception {
        final JdbiDatabase database = database(Duration.ofMinutes(1));
        down.set(true);
        final CompletableFuture<Integer> answer = CompletableFuture.supplyAsync(() -> database.run("answer",
                handle -> handle.createQuery("SELECT 42").mapTo(Integer.class).one()));
        await().atMost(Duration.ofSeconds(30)).until(() -> refused.get() >= 3);
        assertThat(answer).isNotDone();

        down.set(false);
        assertThat(answer.get(30, TimeUnit.SECONDS)).isEqualTo(42);
        assertThat(refused.get()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void anOtherFailureIsNotTriedAgain() {
        final JdbiDatabase database = database(Duration.ofMinutes(1));
        assertThatThrownBy(() -> database.run("read nowhere",
                handle -> handle.createQuery("SELECT x FROM nowhere").mapTo(Integer.class).one()))
                .isInstanceOf(TokenStoreException.class)
                .hasMessageStartingWith("token store could not read nowhere: ")
                .hasMessageContaining("NOWHERE");
        assertThat(connections).as("one attempt").hasValue(1);
    }

    @Test
    void withoutTimeLeftToWaitTheConnectionFailureIsReported() {
        final JdbiDatabase database = database(Duration.ZERO);
        down.set(true);
        assertThatThrownBy(() -> database.run("answer",
                handle -> handle.createQuery("SELECT 42").mapTo(Integer.class).one()))
                .isInstanceOf(TokenStoreException.class)
                .hasMessage("token store could not answer: refused: failing over");
        assertThat(refused).as("no wait fits in no time: one attempt").hasValue(1);
    }

    @Test
    void anInterruptedWaitEndsTheOperation() throws Exception {
        final JdbiDatabase database = database(Duration.ofMinutes(1));
        down.set(true);
        final CompletableFuture<Boolean> interruptedAfter = new CompletableFuture<>();
        final CompletableFuture<Throwable> failure = new CompletableFuture<>();
        final Thread caller = new Thread(() -> {
            try {
                database.run("answer", handle -> handle.createQuery("SELECT 42").mapTo(Integer.class).one());
            } catch (final RuntimeException e) {
                failure.complete(e);
                interruptedAfter.complete(Thread.currentThread().isInterrupted());
            }
        });
        caller.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> refused.get() >= 2);
        caller.interrupt();
        assertThat(failure.get(30, TimeUnit.SECONDS)).isInstanceOf(TokenStoreException.class)
                .hasMessage("token store could not answer: interrupted");
        assertThat(interruptedAfter.get(30, TimeUnit.SECONDS)).as("the interrupt is kept").isTrue();
        caller.join();
    }

    private JdbiDatabase database(final Duration failoverTimeout) {
        final JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:retry-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        final DataSource flaky = (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
                new Class<?>[]{DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        connections.incrementAndGet();
                        if (down.get()) {
                            refused.incrementAndGet();
                            throw new SQLException("refused: failing over", "08001");
                        }
                    }
                    try {
                        return method.invoke(h2, args);
                    } catch (final InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return new JdbiDatabase(flaky, () -> { }, failoverTimeout);
    }
}
