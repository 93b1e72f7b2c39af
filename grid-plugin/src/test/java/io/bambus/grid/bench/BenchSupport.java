package io.bambus.grid.bench;

import io.bambus.core.event.EventStream;
import io.bambus.core.testing.PlainMover;
import io.bambus.grid.testing.BusEnvironment;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/** What the benchmarks share: loading outboxes, the plain JDBC mover (the baseline), statistics. */
final class BenchSupport {

    static final int EVENTS_PER_ORDER = 4;

    private BenchSupport() {
    }

    /** Writes {@code orders} orders (4 events each) into a source's outbox, in large transactions. */
    static void preload(DataSource source, String prefix, int orders) throws Exception {
        try (Connection connection = source.getConnection()) {
            connection.setAutoCommit(false);
            try (EventStream events = EventStream.on(connection).flushThreshold(4_000)) {
                for (int i = 0; i < orders; i++) {
                    String id = prefix + "-" + i;
                    events.beginActivity("Order", id)
                            .updateActivity("Order", id, "Customer", "customer " + i, "Step", 1, "Placed", Instant.now())
                            .updateActivity("Order", id, "Step", 2)
                            .endActivity("Order", id);
                    if (i % 1_000 == 999) {
                        events.flush();
                        connection.commit();
                    }
                }
            }
            connection.commit();
        }
    }

    /**
     * The "no bus" baseline: one thread per source runs {@link PlainMover} (plain JDBC, one
     * transaction per batch, one statement per event). Returns events moved per second.
     */
    static double plainMove(BusEnvironment env, int batchSize) throws Exception {
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] moved = new long[env.sources.size()];
        int index = 0;
        long start = System.nanoTime();
        for (DataSource source : env.sources.values()) {
            int slot = index++;
            Thread thread = new Thread(() -> {
                try {
                    moved[slot] = plainMoveOne(source, env.destination, batchSize);
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "plain-mover-" + slot);
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("plain mover failed", failure.get());
        }
        return Arrays.stream(moved).sum() / ((System.nanoTime() - start) / 1e9);
    }

    private static long plainMoveOne(DataSource sourcePool, DataSource destinationPool, int batchSize) throws Exception {
        return PlainMover.move(sourcePool, "bam_outbox", destinationPool, "Order", batchSize);
    }

    /** min / median / p90 / max of a sample, in the sample's unit. */
    static String summary(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(Long::compare);
        return String.format("n=%d min %d, median %d, p90 %d, max %d", sorted.size(), sorted.get(0),
                percentile(sorted, 50), percentile(sorted, 90), sorted.get(sorted.size() - 1));
    }

    static long percentile(List<Long> sorted, double p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
