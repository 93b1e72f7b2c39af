package io.bambus.grid.testing;

import io.bambus.core.event.EventStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 */
public final class Producer implements AutoCloseable {

    public static final int EVENTS_PER_ORDER = 4;

    private final String sourceId;
    private final DataSource source;
    private final long pauseMillis;
    private final boolean chaos;
    private final Set<String> committed = ConcurrentHashMap.newKeySet();
    private final Set<String> rolledBack = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    /** A producer whose every order commits, in seq order. */
    public Producer(String sourceId, DataSource source, long pauseMillis) {
        this(sourceId, source, pauseMillis, false);
    }

    public static Producer withRollbacksAndLateCommits(String sourceId, DataSource source, long pauseMillis) {
        return new Producer(sourceId, source, pauseMillis, true);
    }

    private Producer(String sourceId, DataSource source, long pauseMillis, boolean chaos) {
        this.sourceId = sourceId;
        this.source = source;
        this.pauseMillis = pauseMillis;
        this.chaos = chaos;
        this.thread = new Thread(this::run, "producer-" + sourceId);
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
                    main.commit();
                    second(main, next);
                    main.commit();
                    committed.add(next);
                    late.commit();            // commits below seqs already committed (and maybe moved)
                    second(main, id);
                    main.commit();
                    committed.add(id);
                    n += 2;
                } else {
                    first(main, id);
                    main.commit();
                    second(main, id);
                    main.commit();
                    committed.add(id);
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

    public Set<String> committed() {
        return committed;
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
