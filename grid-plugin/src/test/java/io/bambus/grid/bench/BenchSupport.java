package io.bambus.grid.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bambus.core.event.EventStream;
import io.bambus.grid.testing.BusEnvironment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/** What the benchmarks share: loading outboxes, the plain JDBC mover (the baseline), statistics. */
final class BenchSupport {

    static final int EVENTS_PER_ORDER = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

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
     * The "no bus" baseline: one thread per source moves its outbox into the destination's activity
     * tables with plain JDBC, one transaction per batch of {@code batchSize} events, one statement
     * per event (they must run in order), then deletes the moved rows. No checkpoint, no fencing,
     * no validation. Returns events moved per second.
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
        long moved = 0;
        try (Connection source = sourcePool.getConnection(); Connection destination = destinationPool.getConnection()) {
            destination.setAutoCommit(false);
            try (PreparedStatement read = source.prepareStatement(
                    "SELECT seq, kind, instance_id, payload, event_time FROM bam_outbox ORDER BY seq LIMIT ?");
                 PreparedStatement begin = destination.prepareStatement(
                         "INSERT INTO bam_Order_active (ActivityID, LastModified) VALUES (?, ?)"
                                 + " ON DUPLICATE KEY UPDATE LastModified = VALUES(LastModified)");
                 PreparedStatement update = destination.prepareStatement(
                         "UPDATE bam_Order_active SET Customer = COALESCE(?, Customer), Step = COALESCE(?, Step),"
                                 + " Placed = COALESCE(?, Placed), LastModified = ? WHERE ActivityID = ?");
                 PreparedStatement complete = destination.prepareStatement(
                         "INSERT INTO bam_Order_completed (ActivityID, LastModified, Customer, Step, Placed)"
                                 + " SELECT ActivityID, ?, Customer, Step, Placed FROM bam_Order_active WHERE ActivityID = ?");
                 PreparedStatement remove = destination.prepareStatement("DELETE FROM bam_Order_active WHERE ActivityID = ?");
                 PreparedStatement delete = source.prepareStatement("DELETE FROM bam_outbox WHERE seq BETWEEN ? AND ?")) {
                while (true) {
                    read.setInt(1, batchSize);
                    long first = -1;
                    long last = -1;
                    int n = 0;
                    try (ResultSet rows = read.executeQuery()) {
                        while (rows.next()) {
                            long seq = rows.getLong(1);
                            first = first < 0 ? seq : first;
                            last = seq;
                            n++;
                            String id = rows.getString(3);
                            String time = rows.getObject(5, LocalDateTime.class).toString();
                            switch (rows.getString(2)) {
                                case "BEGIN" -> {
                                    begin.setString(1, id);
                                    begin.setString(2, time);
                                    begin.executeUpdate();
                                }
                                case "UPDATE" -> {
                                    JsonNode items = JSON.readTree(rows.getBytes(4));
                                    update.setString(1, items.has("Customer") ? items.get("Customer").asText() : null);
                                    update.setObject(2, items.has("Step") ? items.get("Step").asLong() : null);
                                    update.setString(3, items.has("Placed")
                                            ? LocalDateTime.ofInstant(Instant.parse(items.get("Placed").asText()), ZoneOffset.UTC).toString()
                                            : null);
                                    update.setString(4, time);
                                    update.setString(5, id);
                                    update.executeUpdate();
                                }
                                default -> {
                                    complete.setString(1, time);
                                    complete.setString(2, id);
                                    complete.executeUpdate();
                                    remove.setString(1, id);
                                    remove.executeUpdate();
                                }
                            }
                        }
                    }
                    if (n == 0) {
                        return moved;
                    }
                    destination.commit();
                    delete.setLong(1, first);
                    delete.setLong(2, last);
                    delete.executeUpdate();
                    moved += n;
                }
            }
        }
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
