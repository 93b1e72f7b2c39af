package io.bambus.grid.testing;

import io.bambus.core.event.EventStream;
import java.sql.Connection;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Writes orders into one source like an application: per order, one transaction with Begin and
 * Update(Step=1), then one with Update(Step=2) and End. Counts only what committed. A duplicate or
 * reordered delivery shows in the destination as a failed event ("already completed") or a wrong
 * Step; a lost one as a missing order.
 */
public final class Producer implements AutoCloseable {

    public static final int EVENTS_PER_ORDER = 4;

    private final String sourceId;
    private final DataSource source;
    private final long pauseMillis;
    private final AtomicLong orders = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    public Producer(String sourceId, DataSource source, long pauseMillis) {
        this.sourceId = sourceId;
        this.source = source;
        this.pauseMillis = pauseMillis;
        this.thread = new Thread(this::run, "producer-" + sourceId);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try (Connection connection = source.getConnection()) {
            connection.setAutoCommit(false);
            while (running) {
                String id = sourceId + "-" + orders.get();
                try (EventStream events = EventStream.on(connection)) {
                    events.beginActivity("Order", id)
                            .updateActivity("Order", id, "Customer", "customer of " + id, "Step", 1, "Placed", Instant.now());
                }
                connection.commit();
                try (EventStream events = EventStream.on(connection)) {
                    events.updateActivity("Order", id, "Step", 2).endActivity("Order", id);
                }
                connection.commit();
                orders.incrementAndGet();
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

    public long orders() {
        return orders.get();
    }

    public long events() {
        return orders.get() * EVENTS_PER_ORDER;
    }

    public String sourceId() {
        return sourceId;
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
        return orders.get();
    }

    @Override
    public void close() throws InterruptedException {
        if (running) {
            stop();
        }
    }
}
