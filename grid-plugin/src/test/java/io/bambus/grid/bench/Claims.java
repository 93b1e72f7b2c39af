package io.bambus.grid.bench;

import io.bambus.core.config.SessionSettings;
import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.apply.Applier;
import io.bambus.core.schema.DestinationSchema;
import io.bambus.core.db.SourcePools;
import io.bambus.core.event.EventStream;
import io.bambus.core.outbox.OutboxReader;
import io.bambus.core.runner.ClaimCombiner;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.TestDatabase;
import io.bambus.grid.testing.ManySources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Claims: how fast the core claims sessions with nothing else running (no Hazelcast, no
 * scheduler): the floor under the failover figure of {@link Scale}. n sources in one database,
 * each with its own outbox table holding one order already moved (so a claim marks a batch, as
 * after a real failover); then every session is taken over with a new epoch on as many threads
 * as a member has session threads, through the pools a member would use. Prints claims per
 * second and how long n claims take, next to the rate a failover of n sessions within the
 * target's time after the split guard needs.
 * The take-overs run twice per round: each session claiming alone, and claims combined as a member
 * combines them ({@link ClaimCombiner}: one bulk claim for those waiting together).
 * Arguments: sessions (default 1500: the share of one survivor when 3,000 are lost), threads
 * (default 8).
 */
public final class Claims {

    private static final long TARGET_MILLIS = 5_000;
    private static final long SPLIT_GUARD_MILLIS = 3_000;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1500;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        TestDatabase server = TestDatabase.get();
        String sourceDb = server.create("claims_src");
        String destinationDb = server.create("claims_dst");
        Path dir = Files.createTempDirectory("bambus-claims");
        try (HikariDataSource source = server.pool(sourceDb, 9);
             HikariDataSource destination = server.pool(destinationDb, 4);
             SourcePools sourcePools = new SourcePools(9)) {
            ManySources.configure(server, source, sourceDb, destinationDb, dir, n, null, (connection, table, i) -> {
                try (EventStream events = EventStream.on(connection).outboxTable(table)) {
                    String id = "s" + i + "-order";
                    events.beginActivity("Order", id).updateActivity("Order", id, "Step", 1).endActivity("Order", id);
                }
            });
            try (Connection connection = destination.getConnection()) {
                DestinationSchema.create(connection);
            }
            new ActivityDeployer(destination).deploy(DefinitionFile.read(dir.resolve("definitions.yaml")));

            // the sessions' source pool as a member has it: one per server and user, shared
            SourcePools.Lease lease = sourcePools.acquire("s0", server.config(sourceDb, 1));
            double start = run(n, threads, lease, destination, 1, true, null);
            System.out.printf("CLAIMS first claim and first batch of %,d sessions: %.1f s (not the figure)%n", n, start);
            long epoch = 2;
            for (int round = 0; round < 3; round++) {
                for (boolean combined : new boolean[] {false, true}) {
                    ClaimCombiner combiner = combined ? new ClaimCombiner(destination) : null;
                    long questions = questions(destination);
                    double seconds = run(n, threads, lease, destination, epoch, false, combiner);
                    double perClaim = (questions(destination) - questions - 1) / (double) n;
                    double perSecond = n / seconds;
                    double needed = n / ((TARGET_MILLIS - SPLIT_GUARD_MILLIS) / 1000.0);
                    System.out.printf("CLAIMS take-over of %,d sessions (epoch %d) on %d threads, %s: %.2f s, %,.0f claims/s,"
                                    + " %.1f statements per claim (server-wide); %,d claims within %d s after the %d s split guard need"
                                    + " %,.0f/s: ratio %.2f%n", n, epoch, threads,
                            combined ? "combined (largest bulk " + combiner.largestBulk() + ")" : "each alone", seconds, perSecond,
                            perClaim, n, (TARGET_MILLIS - SPLIT_GUARD_MILLIS) / 1000, SPLIT_GUARD_MILLIS / 1000, needed, perSecond / needed);
                    epoch++;
                }
            }
        } finally {
            server.drop(sourceDb);
            server.drop(destinationDb);
        }
        System.exit(0);
    }

    /** The server's count of client statements so far (every client's: run nothing else meanwhile). */
    private static long questions(HikariDataSource pool) throws java.sql.SQLException {
        try (Connection connection = pool.getConnection();
             java.sql.ResultSet row = connection.createStatement().executeQuery("SHOW GLOBAL STATUS LIKE 'Questions'")) {
            row.next();
            return row.getLong(2);
        }
    }

    /** Claims every session at {@code epoch} (and moves its first batch when {@code move}); returns the seconds taken. */
    private static double run(int n, int threads, SourcePools.Lease source, HikariDataSource destination, long epoch,
                              boolean move, ClaimCombiner combiner) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger next = new AtomicInteger();
        long started = System.nanoTime();
        try {
            List<Future<Void>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        SessionMover mover = new SessionMover(new OutboxReader(source.pool(), source.database(), "ob_" + i,
                                Duration.ofDays(7)),
                                new Applier(destination, "s" + i), 500, SessionSettings.DEFAULT_BATCH_BYTES,
                                SessionSettings.DEFAULT_GAP_WAIT_MILLIS, epoch, combiner);
                        mover.claim();
                        if (move && mover.moveBatch() == 0) {
                            throw new IllegalStateException("session s" + i + " moved nothing");
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> worker : workers) {
                worker.get();
            }
        } finally {
            pool.shutdown();
        }
        return (System.nanoTime() - started) / 1e9;
    }
}
