package io.bambus.grid.bench;

import io.bambus.core.schema.OutboxFormat;
import io.bambus.grid.testing.BusEnvironment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * The machine's limit for the bus's work: the writes the bus makes for each batch of the
 * Throughput workload (orders of Begin, Update, Update, End, all of an order in one batch),
 * the same rows, statements and commits, replayed by this one program with one thread per source
 * and nothing else to do: no reads, no Hazelcast, no decoding. Two ceilings:
 * <ul>
 *   <li>destination writes: per batch one transaction of the instance-lock insert, the completed
 *       rows' insert and the checkpoint update (what {@code Applier} commits for such a batch);</li>
 *   <li>plus the source acknowledgement: per batch one transaction of the mark and the owner-row
 *       update (what {@code OutboxReader.acknowledge} commits; its locking read of the owner row is
 *       left out).</li>
 * </ul>
 * Then the bus itself ({@link BusRate}) over the same workload, and the ratios. Both are timed over
 * the measured part, after a warm-up part of the same shape.
 * Arguments: [ordersPerSource] [batchSize] [sourceCounts] [warmUpOrdersPerSource].
 */
public final class Ceiling {

    public static void main(String[] args) throws Exception {
        BenchSupport.RateArgs parsed = BenchSupport.RateArgs.parse(args);
        int orders = parsed.orders();
        int batch = parsed.batch();
        int[] counts = parsed.counts();
        int warmUp = parsed.warmUp();
        if (batch % BenchSupport.EVENTS_PER_ORDER != 0) {
            throw new IllegalArgumentException("batchSize must be a multiple of " + BenchSupport.EVENTS_PER_ORDER
                    + " (whole orders per batch, as the bus reads them from this workload)");
        }
        List<String> lines = new ArrayList<>();
        for (int sources : counts) {
            double destinationOnly = replay(sources, orders, warmUp, batch, false);
            double withSource = replay(sources, orders, warmUp, batch, true);
            BusRate.Result bus = BusRate.measure(sources, orders, warmUp, batch, -1);
            String line = String.format("sources %d: %,d events; bus %,.0f events/s; ceiling, destination writes %,.0f events/s"
                    + " (bus/ceiling %.2f); ceiling, destination writes and source marks %,.0f events/s (bus/ceiling %.2f)",
                    sources, bus.events(), bus.eventsPerSecond(), destinationOnly, bus.eventsPerSecond() / destinationOnly,
                    withSource, bus.eventsPerSecond() / withSource);
            System.out.println("CEILING " + line);
            lines.add(line);
        }
        System.out.println();
        System.out.printf("Ceiling, batch size %d, %d orders (x4 events) per source timed after %d warm-up orders:%n", batch,
                orders, warmUp);
        lines.forEach(line -> System.out.println("  " + line));
    }

    /** Replays the writes of {@code sources} sessions' batches at once; events per second over the measured part. */
    private static double replay(int sources, int orders, int warmUp, int batch, boolean sourceMarks) throws Exception {
        int all = warmUp + orders;
        List<String> ids = BenchSupport.sourceIds(sources);
        try (BusEnvironment env = new BusEnvironment(ids, "batchSize: " + batch + "\n")) {
            env.definitions(BusEnvironment.PLAIN_DEFINITIONS); // the rates of record: no aggregation kept
            BenchSupport.deploy(env);
            for (String id : ids) {
                if (sourceMarks) {
                    BenchSupport.preload(env.sources.get(id), id, all);
                }
                env.execute(env.destination, "INSERT INTO bam_checkpoints (session_id, epoch, batch_no, batch_seqs, max_seq,"
                        + " events_applied, events_failed, updated_at) VALUES ('" + id + "', 1, 0, '', 0, 0, 0, UTC_TIMESTAMP(6))");
                if (sourceMarks) {
                    env.execute(env.sources.get(id), "INSERT INTO bam_outbox_owner (session_id, outbox_table, outbox_id, epoch,"
                            + " max_seq, batch_no, updated_at) VALUES ('" + id + "', 'bam_outbox', UUID(), 1, 0, 0, UTC_TIMESTAMP(6))");
                }
            }
            List<Thread> threads = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong replayed = new AtomicLong();
            for (String id : ids) {
                DataSource source = sourceMarks ? env.sources.get(id) : null;
                Thread thread = new Thread(() -> {
                    try {
                        replayOne(env.destination, source, id, all, batch, replayed);
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                }, "ceiling-" + id);
                thread.start();
                threads.add(thread);
            }
            BusRate.Result result = BusRate.window(() -> {
                if (failure.get() != null) {
                    throw new IllegalStateException("the ceiling replay failed", failure.get());
                }
                return replayed.get();
            }, (long) warmUp * BenchSupport.EVENTS_PER_ORDER * sources, (long) all * BenchSupport.EVENTS_PER_ORDER * sources,
                    new long[0], -1, "the ceiling replay");
            for (Thread thread : threads) {
                thread.join();
            }
            if (env.query(env.destination, "SELECT COUNT(*) FROM bam_Order_completed") != (long) all * sources) {
                throw new IllegalStateException("the replay did not write every order");
            }
            return result.eventsPerSecond();
        }
    }

    private static void replayOne(DataSource destinationPool, DataSource sourcePool, String id, int orders, int batch,
                                  AtomicLong replayed) throws Exception {
        int perBatch = batch / BenchSupport.EVENTS_PER_ORDER;
        try (Connection destination = destinationPool.getConnection();
             Connection source = sourcePool == null ? null : sourcePool.getConnection()) {
            destination.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            destination.setAutoCommit(false);
            if (source != null) {
                source.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                source.setAutoCommit(false);
            }
            long batchNo = 0;
            long seq = 0;
            for (int from = 0; from < orders; from += perBatch) {
                int n = Math.min(perBatch, orders - from);
                batchNo++;
                LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC);
                try (PreparedStatement lock = destination.prepareStatement("INSERT INTO bam_instance_locks (activity, instance_id)"
                        + " VALUES " + "(?, ?), ".repeat(n - 1) + "(?, ?) ON DUPLICATE KEY UPDATE instance_id = instance_id")) {
                    for (int i = 0; i < n; i++) {
                        lock.setString(2 * i + 1, "Order");
                        lock.setString(2 * i + 2, id + "-" + (from + i));
                    }
                    lock.executeUpdate();
                }
                try (PreparedStatement complete = destination.prepareStatement("INSERT INTO `bam_Order_completed` (`ActivityID`,"
                        + " `LastModified`, `Customer`, `Step`, `Placed`) VALUES (?, ?, ?, ?, ?)")) {
                    for (int i = 0; i < n; i++) {
                        complete.setString(1, id + "-" + (from + i));
                        complete.setTimestamp(2, Timestamp.valueOf(now));
                        complete.setString(3, "customer " + (from + i));
                        complete.setLong(4, 2);
                        complete.setTimestamp(5, Timestamp.valueOf(now));
                        complete.addBatch();
                    }
                    complete.executeBatch();
                }
                long first = seq + 1;
                seq += (long) n * BenchSupport.EVENTS_PER_ORDER;
                try (PreparedStatement checkpoint = destination.prepareStatement("UPDATE bam_checkpoints SET epoch = ?, batch_no = ?,"
                        + " batch_seqs = ?, max_seq = ?, events_applied = ?, events_failed = ?, updated_at = UTC_TIMESTAMP(6)"
                        + " WHERE session_id = ?")) {
                    checkpoint.setLong(1, 1);
                    checkpoint.setLong(2, batchNo);
                    checkpoint.setString(3, first + "-" + seq);
                    checkpoint.setLong(4, seq);
                    checkpoint.setLong(5, seq);
                    checkpoint.setLong(6, 0);
                    checkpoint.setString(7, id);
                    checkpoint.executeUpdate();
                }
                destination.commit();
                if (source != null) {
                    mark(source, id, batchNo, first, seq);
                }
                replayed.addAndGet((long) n * BenchSupport.EVENTS_PER_ORDER);
            }
        }
    }

    private static void mark(Connection source, String id, long batchNo, long first, long last) throws Exception {
        try (PreparedStatement mark = source.prepareStatement("UPDATE bam_outbox SET " + OutboxFormat.IN_PLACE.mark()
                + " WHERE (seq BETWEEN ? AND ?)");
             PreparedStatement owner = source.prepareStatement("UPDATE bam_outbox_owner SET epoch = ?, outbox_table = ?,"
                     + " max_seq = GREATEST(max_seq, ?), batch_no = GREATEST(batch_no, ?), updated_at = UTC_TIMESTAMP(6)"
                     + " WHERE session_id = ?")) {
            mark.setLong(1, batchNo);
            mark.setLong(2, first);
            mark.setLong(3, last);
            if (mark.executeUpdate() != last - first + 1) {
                throw new IllegalStateException("the preloaded outbox of " + id + " does not hold seqs " + first + "-" + last
                        + " unmoved (" + OutboxFormat.IN_PLACE + " layout expected)");
            }
            owner.setLong(1, 1);
            owner.setString(2, "bam_outbox");
            owner.setLong(3, last);
            owner.setLong(4, batchNo);
            owner.setString(5, id);
            owner.executeUpdate();
        }
        source.commit();
    }
}
