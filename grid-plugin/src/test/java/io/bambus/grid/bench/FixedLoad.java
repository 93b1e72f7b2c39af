package io.bambus.grid.bench;

import io.bambus.core.event.EventStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * A fixed load of orders on some sources, and the latency of each: one producer thread per source
 * commits an order in two transactions (Begin + Update, then Update + End) at a fixed rate, and a
 * watcher reads new rows of the destination's completed table every 5 ms (so figures carry up to
 * ~5 ms of polling). The latency of an order is its last commit → its completed row seen. Whatever
 * moves the events (the bus, a peer) is the caller's. Close to stop both threads.
 */
final class FixedLoad implements AutoCloseable {

    /** Guarded by itself, with {@link #seenFirst}: an order's row may be seen before its producer has noted the commit. */
    private final Map<String, Long> committedAt = new java.util.HashMap<>();
    private final Map<String, Long> seenFirst = new java.util.HashMap<>();
    private final Map<String, AtomicLong> produced = new ConcurrentHashMap<>();
    private final List<Long> latencies = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopping;
    private volatile long measureFrom = Long.MAX_VALUE;
    private volatile long measureTo = Long.MAX_VALUE;

    /** Starts {@code ordersPerSecond} orders per source on each of {@code sources}, watched in {@code destination}. */
    FixedLoad(Map<String, DataSource> sources, DataSource destination, int ordersPerSecond) {
        for (Map.Entry<String, DataSource> source : sources.entrySet()) {
            AtomicLong count = new AtomicLong();
            produced.put(source.getKey(), count);
            threads.add(start("load-" + source.getKey(), () -> produce(source.getValue(), source.getKey(), ordersPerSecond, count)));
        }
        threads.add(start("load-watch", () -> watch(destination)));
    }

    private Thread start(String name, ThrowingRunnable body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, name);
        thread.start();
        return thread;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Latencies count for orders committed from now until {@link #endMeasuring}. */
    void startMeasuring() {
        measureFrom = System.nanoTime();
    }

    void endMeasuring() {
        measureTo = System.nanoTime();
    }

    /** Orders committed so far on {@code sourceId}. */
    long produced(String sourceId) {
        return produced.get(sourceId).get();
    }

    /** Stops producing and waits for the producers (an order in flight is finished); the watcher reads on until {@link #close}. */
    void stopProducing() throws InterruptedException {
        stopping = true;
        for (Thread thread : threads) {
            if (!thread.getName().equals("load-watch")) {
                thread.join(60_000);
            }
        }
        check();
    }

    /**
     * Waits (at most {@code timeoutMillis}) until every order committed in the measured period has
     * been seen in the destination; returns how many were not.
     */
    long awaitSeen(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            check();
            long unseen;
            synchronized (committedAt) {
                unseen = committedAt.values().stream().filter(at -> at > measureFrom && at < measureTo).count();
            }
            if (unseen == 0 || System.currentTimeMillis() > deadline) {
                return unseen;
            }
            BenchSupport.sleep(20);
        }
    }

    /** Some orders of the measured period not seen yet, for a failure's message. */
    List<String> unseenSample(int max) {
        synchronized (committedAt) {
            return committedAt.entrySet().stream().filter(e -> e.getValue() > measureFrom && e.getValue() < measureTo)
                    .map(Map.Entry::getKey).sorted().limit(max).toList();
        }
    }

    /** The latencies measured, in microseconds, sorted. */
    List<Long> latencies() {
        check();
        synchronized (latencies) {
            List<Long> sorted = new ArrayList<>(latencies);
            sorted.sort(Long::compare);
            return sorted;
        }
    }

    private void check() {
        if (failure.get() != null) {
            throw new IllegalStateException("the fixed load failed", failure.get());
        }
    }

    private void produce(DataSource source, String prefix, int rate, AtomicLong count) throws Exception {
        long interval = 1_000_000_000L / rate;
        long next = System.nanoTime();
        try (Connection connection = source.getConnection()) {
            connection.setAutoCommit(false);
            for (long n = 0; !stopping; n++) {
                String id = prefix + "-" + n;
                try (EventStream events = EventStream.on(connection)) {
                    events.beginActivity("Order", id).updateActivity("Order", id, "Customer", "c", "Step", 1, "Placed", Instant.now());
                }
                connection.commit();
                try (EventStream events = EventStream.on(connection)) {
                    events.updateActivity("Order", id, "Step", 2).endActivity("Order", id);
                }
                connection.commit();
                committed(id, System.nanoTime());
                count.incrementAndGet();
                next += interval;
                long wait = next - System.nanoTime();
                if (wait < -interval) {
                    next = System.nanoTime(); // fell behind: skip the missed slots, no catch-up burst
                } else if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing the fixed load
                }
            }
        }
    }

    /**
     * Reads new completed rows every 5 ms. Their RecordIDs come from AUTO_INCREMENT, taken at insert
     * and visible at commit: two sessions' transactions commit out of order, so a row below the
     * highest RecordID seen can still appear. Each missing id below it is looked for again until it
     * appears or is 30 s old (a rolled-back insert leaves a gap for ever).
     */
    private void watch(DataSource destination) throws Exception {
        long highest = 0;
        java.util.TreeMap<Long, Long> gaps = new java.util.TreeMap<>(); // missing RecordID -> since (nanos)
        try (Connection connection = destination.getConnection()) {
            connection.setAutoCommit(true);
            while (!Thread.currentThread().isInterrupted() && !closed) {
                long now = System.nanoTime();
                gaps.values().removeIf(since -> now - since > 30_000_000_000L);
                String sql = "SELECT RecordID, ActivityID FROM bam_Order_completed WHERE RecordID > ?"
                        + (gaps.isEmpty() ? "" : " OR RecordID IN (" + "?,".repeat(gaps.size() - 1) + "?)") + " ORDER BY RecordID";
                try (PreparedStatement poll = connection.prepareStatement(sql)) {
                    poll.setLong(1, highest);
                    int index = 2;
                    for (long gap : gaps.keySet()) {
                        poll.setLong(index++, gap);
                    }
                    try (ResultSet rows = poll.executeQuery()) {
                        long seenAt = System.nanoTime();
                        while (rows.next()) {
                            long record = rows.getLong(1);
                            if (record > highest) {
                                for (long missing = highest + 1; missing < record; missing++) {
                                    gaps.put(missing, seenAt);
                                }
                                highest = record;
                            }
                            gaps.remove(record);
                            seen(rows.getString(2), seenAt);
                        }
                    }
                }
                BenchSupport.sleep(5);
            }
        }
    }

    private volatile boolean closed;

    private void committed(String id, long at) {
        synchronized (committedAt) {
            Long seen = seenFirst.remove(id);
            if (seen == null) {
                committedAt.put(id, at);
            } else {
                record(at, Math.max(0, seen - at)); // visible before commit() returned here: no time at all
            }
        }
    }

    private void seen(String id, long at) {
        synchronized (committedAt) {
            Long committed = committedAt.remove(id);
            if (committed == null) {
                seenFirst.put(id, at);
            } else {
                record(committed, at - committed);
            }
        }
    }

    private void record(long committed, long nanos) {
        if (committed > measureFrom && committed < measureTo) {
            synchronized (latencies) {
                latencies.add(nanos / 1_000);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        closed = true;
        for (Thread thread : threads) {
            thread.join(30_000);
        }
    }

    /** "p50 x ms, p99 y ms, max z ms" of sorted microseconds. */
    static String summary(List<Long> sorted) {
        if (sorted.isEmpty()) {
            return "no order measured";
        }
        return String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)", BenchSupport.percentile(sorted, 50) / 1000.0,
                BenchSupport.percentile(sorted, 99) / 1000.0, sorted.get(sorted.size() - 1) / 1000.0, sorted.size());
    }
}
