package io.bambus.grid.testing;

import io.bambus.core.event.EventStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Writes orders into one source like an application: per order, one transaction with Begin and
 * Update(Step=1), then one with Update(Step=2) and End. A duplicate or reordered delivery shows in
 * the destination as a failed event ("already completed") or a wrong Step; a lost one as a missing
 * order. It remembers which orders committed and which rolled back, for the checkers.
 *
 * <p>{@link #withRollbacksAndLateCommits} also does what real applications do to an outbox: every
 * 7th order's transaction rolls back (a permanent seq gap), and every 5th order's first
 * transaction takes its seqs first but commits after a later order has committed (a late commit
 * below the highest seq read).
 *
 * <p>{@link #inSteps} writes orders as Begin, several Updates each carrying the next Step, End, in
 * one transaction per Update (Begin with the first, End with the last), and rolls back every tenth
 * transaction: the order stops there, so it stays active at its last committed Step, or never
 * exists when its first transaction rolled back. A repeated older Update puts the Step back.
 *
 * <p>Every mode keeps, per order, the Step and completion its committed events lead to
 * ({@link #expected}) and the number of events committed ({@link #eventsWritten}), so a checker
 * can count every event, not only end states.
 */
public final class Producer implements AutoCloseable {

    public static final int EVENTS_PER_ORDER = 4;

    private final String sourceId;
    private final DataSource source;
    private final long pauseMillis;
    private final boolean chaos;
    private final int steps;
    private final Set<String> committed = ConcurrentHashMap.newKeySet();
    private final Set<String> rolledBack = ConcurrentHashMap.newKeySet();
    private final Map<String, Expected> expected = new ConcurrentHashMap<>();
    private final AtomicLong eventsWritten = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    /** A producer whose every order commits, in seq order. */
    /** What an order's committed events lead to in the destination: its Step, and whether it is completed. */
    public record Expected(int step, boolean completed) {
    }

    /** A producer whose every order commits, in seq order. */
    public Producer(String sourceId, DataSource source, long pauseMillis) {
        this(sourceId, source, pauseMillis, false, 0);
    }

    public static Producer withRollbacksAndLateCommits(String sourceId, DataSource source, long pauseMillis) {
        return new Producer(sourceId, source, pauseMillis, true, 0);
    }

    /** Orders of {@code steps} Updates (at least 2), one transaction each; every tenth transaction rolls back. */
    public static Producer inSteps(String sourceId, DataSource source, long pauseMillis, int steps) {
        if (steps < 2) {
            throw new IllegalArgumentException("an order in steps has at least 2 Updates, got " + steps);
        }
        return new Producer(sourceId, source, pauseMillis, false, steps);
    }

    private Producer(String sourceId, DataSource source, long pauseMillis, boolean chaos, int steps) {
        this.sourceId = sourceId;
        this.source = source;
        this.pauseMillis = pauseMillis;
        this.chaos = chaos;
        this.steps = steps;
        this.thread = new Thread(steps > 0 ? this::runInSteps : this::run, "producer-" + sourceId);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try (Connection main = source.getConnection(); Connection late = source.getConnection()) {
            main.setAutoCommit(false);
            late.setAutoCommit(false);
            long n = 0;
            while (running) {
                String id = sourceId + "-" + n;
                if (chaos && n % 7 == 3) {
                    first(main, id);
                    main.rollback();
                    rolledBack.add(id);
                    n++;
                } else if (chaos && n % 5 == 1) {
                    String next = sourceId + "-" + (n + 1);
                    first(late, id);          // takes the lower seqs, stays open
                    first(main, next);
                    commitFirst(main, next);
                    second(main, next);
                    commitSecond(main, next);
                    commitFirst(late, id);    // commits below seqs already committed (and maybe moved)
                    second(main, id);
                    commitSecond(main, id);
                    n += 2;
                } else {
                    first(main, id);
                    commitFirst(main, id);
                    second(main, id);
                    commitSecond(main, id);
                    n++;
                }
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis); // pacing the load, not waiting for a state
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
        }
    }

    private void commitFirst(Connection connection, String id) throws SQLException {
        connection.commit();
        expected.put(id, new Expected(1, false));
        eventsWritten.addAndGet(2);
    }

    private void commitSecond(Connection connection, String id) throws SQLException {
        connection.commit();
        expected.put(id, new Expected(2, true));
        eventsWritten.addAndGet(2);
        committed.add(id);
    }

    private void runInSteps() {
        try (Connection connection = source.getConnection()) {
            connection.setAutoCommit(false);
            long transactions = 0;
            for (long n = 0; running; n++) {
                String id = sourceId + "-" + n;
                for (int step = 1; step <= steps; step++) {
                    int events;
                    try (EventStream stream = EventStream.on(connection)) {
                        if (step == 1) {
                            stream.beginActivity("Order", id)
                                    .updateActivity("Order", id, "Customer", "customer of " + id, "Step", 1, "Placed", Instant.now());
                            events = 2;
                        } else if (step < steps) {
                            stream.updateActivity("Order", id, "Step", step);
                            events = 1;
                        } else {
                            stream.updateActivity("Order", id, "Step", step).endActivity("Order", id);
                            events = 2;
                        }
                    }
                    if (++transactions % 10 == 0) {
                        connection.rollback(); // the order stops here: active at its last committed Step, or absent
                        if (step == 1) {
                            rolledBack.add(id);
                        }
                        break;
                    }
                    connection.commit();
                    eventsWritten.addAndGet(events);
                    expected.put(id, new Expected(step, step == steps));
                    if (step == steps) {
                        committed.add(id);
                    }
                }
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis); // pacing the load, not waiting for a state
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
        }
    }

    private static void first(Connection connection, String id) throws SQLException {
        try (EventStream events = EventStream.on(connection)) {
            events.beginActivity("Order", id)
                    .updateActivity("Order", id, "Customer", "customer of " + id, "Step", 1, "Placed", Instant.now());
        }
    }

    private static void second(Connection connection, String id) throws SQLException {
        try (EventStream events = EventStream.on(connection)) {
            events.updateActivity("Order", id, "Step", 2).endActivity("Order", id);
        }
    }

    public String sourceId() {
        return sourceId;
    }

    /** Orders whose every transaction committed (completed orders). */
    public Set<String> committed() {
        return committed;
    }

    /** Per order with a committed transaction: the Step and completion its committed events lead to. */
    public Map<String, Expected> expected() {
        return expected;
    }

    /** Events committed to the outbox so far. */
    public long eventsWritten() {
        return eventsWritten.get();
    }

    public Set<String> rolledBack() {
        return rolledBack;
    }

    /** Orders committed so far. */
    public long orders() {
        return committed.size();
    }

    /** Stops after the order in progress; returns the orders committed. */
    public long stop() throws InterruptedException {
        running = false;
        thread.join(30_000);
        if (thread.isAlive()) {
            throw new IllegalStateException("producer " + sourceId + " did not stop within 30 s");
        }
        if (failure != null) {
            throw new IllegalStateException("producer " + sourceId + " failed", failure);
        }
        return committed.size();
    }

    @Override
    public void close() throws InterruptedException {
        if (running) {
            stop();
        }
    }
}
