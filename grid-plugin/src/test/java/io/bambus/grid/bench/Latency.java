package io.bambus.grid.bench;

import io.bambus.core.event.EventStream;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.MemberProcesses;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * End-to-end latency at a fixed load: source commit of an order's last transaction (Update+End) →
 * the order's row visible in the destination's completed table, 2 member processes, 2 sources.
 * A poller reads new completed rows every 5 ms (so figures carry up to ~5 ms of polling).
 * Arguments: [ordersPerSecondPerSource] (default 625 = 2,500 events/s per source, 5,000 in all:
 * half the 2-source maximum measured by Throughput) [seconds] (default 60).
 */
public final class Latency {

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 625;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        List<String> ids = List.of("east", "west");
        Map<String, Long> committedAt = new ConcurrentHashMap<>();
        List<Long> latencies = new ArrayList<>();
        try (BusEnvironment env = new BusEnvironment(ids, "pollIntervalMillis: 5\n");
             MemberProcesses members = new MemberProcesses(env.configFile, 2)) {
            members.start(0);
            members.start(1);
            Await.until("both sessions to run", Duration.ofSeconds(60),
                    () -> members.owner("east") != null && members.owner("west") != null);
            long warmupEnd = System.nanoTime() + 10_000_000_000L;
            long end = warmupEnd + seconds * 1_000_000_000L;
            List<Thread> producers = new ArrayList<>();
            for (String id : ids) {
                Thread producer = new Thread(() -> produce(env.sources.get(id), id, rate, end, committedAt), "latency-" + id);
                producer.start();
                producers.add(producer);
            }
            long lastRecord = 0;
            long measuredOrders = 0;
            try (Connection destination = env.destination.getConnection();
                 PreparedStatement poll = destination.prepareStatement(
                         "SELECT RecordID, ActivityID FROM bam_Order_completed WHERE RecordID > ? ORDER BY RecordID")) {
                destination.setAutoCommit(true);
                while (System.nanoTime() < end + 5_000_000_000L) {
                    poll.setLong(1, lastRecord);
                    try (ResultSet rows = poll.executeQuery()) {
                        long now = System.nanoTime();
                        while (rows.next()) {
                            lastRecord = rows.getLong(1);
                            Long committed = committedAt.remove(rows.getString(2));
                            if (committed != null && committed > warmupEnd && committed < end) {
                                latencies.add((now - committed) / 1_000);
                                measuredOrders++;
                            }
                        }
                    }
                    BenchSupport.sleep(5);
                }
            }
            for (Thread producer : producers) {
                producer.join();
            }
            List<Long> sorted = new ArrayList<>(latencies);
            sorted.sort(Long::compare);
            System.out.println();
            System.out.printf("Latency, source commit -> visible in the destination, %d orders/s per source (%,d events/s in all),"
                    + " 2 sources, 2 members, %d s after 10 s warm-up:%n", rate, rate * 4 * 2, seconds);
            System.out.printf("  orders measured %d; p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", measuredOrders,
                    BenchSupport.percentile(sorted, 50) / 1000.0, BenchSupport.percentile(sorted, 99) / 1000.0,
                    sorted.get(sorted.size() - 1) / 1000.0);
        }
    }

    private static void produce(DataSource source, String prefix, int rate, long end, Map<String, Long> committedAt) {
        long interval = 1_000_000_000L / rate;
        long next = System.nanoTime();
        try (Connection connection = source.getConnection()) {
            connection.setAutoCommit(false);
            for (long n = 0; System.nanoTime() < end; n++) {
                String id = prefix + "-" + n;
                try (EventStream events = EventStream.on(connection)) {
                    events.beginActivity("Order", id).updateActivity("Order", id, "Customer", "c", "Step", 1, "Placed", Instant.now());
                }
                connection.commit();
                try (EventStream events = EventStream.on(connection)) {
                    events.updateActivity("Order", id, "Step", 2).endActivity("Order", id);
                }
                connection.commit();
                committedAt.put(id, System.nanoTime());
                next += interval;
                long wait = next - System.nanoTime();
                if (wait < -interval) {
                    next = System.nanoTime(); // fell behind: skip the missed slots, no catch-up burst
                } else if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing the fixed load
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("latency producer " + prefix + " failed", e);
        }
    }
}
