package io.bambus.bench.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.db.EmbeddedMySql;
import io.bambus.core.event.EventStream;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.session.SeqRanges;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The peer as its own JVM against a real MariaDB with its binary log: started once to record its
 * position and stopped, as the benchmark does; fed a backlog and started again; fed live events;
 * restarted cleanly; and killed (-9) in the middle of a backlog.
 */
class DebeziumPeerTest {

    /** The benchmarks' definition (grid-plugin BusEnvironment). */
    private static final String DEFINITIONS = """
            activities:
              - name: Order
                items:
                  - { name: Customer, type: text, length: 40 }
                  - { name: Step, type: integer }
                  - { name: Placed, type: milestone }
            """;
    private static final Instant PLACED = Instant.parse("2026-03-01T10:00:00.123456Z");
    /** A deadline, not a pause: generous for a machine busy with other work. */
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AtomicInteger NEXT = new AtomicInteger();

    private static EmbeddedMySql server;
    private static Path work;
    /** Every peer a test started: one left running by a failed test would hold its binlog server id. */
    private final List<PeerProcess> peers = new ArrayList<>();

    /** Sources (id → database with its outbox), a destination with the activity deployed, the peer's state directory. */
    private record Setup(Map<String, String> sourceDbs, Map<String, HikariDataSource> sources, String destinationDb,
                         HikariDataSource destination, Path state) implements AutoCloseable {
        @Override
        public void close() {
            sources.values().forEach(HikariDataSource::close);
            destination.close();
        }
    }

    @BeforeAll
    static void startServer() throws Exception {
        server = EmbeddedMySql.start(0, null, List.of("--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1",
                "--binlog-row-image=FULL"));
        work = Files.createTempDirectory("bambus-peer-test");
    }

    @AfterEach
    void killPeers() throws InterruptedException {
        for (PeerProcess peer : peers) {
            peer.kill();
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void appliesBacklogAndLiveEventsOnceAcrossCleanRestarts() throws Exception {
        try (Setup setup = setup("a", "b")) {
            PeerProcess peer = start(setup, "first");
            awaitStreaming(setup, peer);
            stop(peer);
            assertTrue(Files.exists(setup.state().resolve("a.offsets")), "the first start records the binlog position");

            // a backlog written while the peer is down: the next start resumes from the offsets, it does not snapshot again
            writeOrders(setup, "a", 0, 300);
            writeOrders(setup, "b", 0, 100);
            writeContinuation(setup, "a", "continued_a");
            long backlog = outboxSize(setup, "a");
            long started = System.nanoTime();
            peer = start(setup, "backlog");
            awaitStreaming(setup, peer);
            awaitCompleted(setup, 401);
            System.out.printf("backlog of %d events applied %.1f s after the start%n", backlog + outboxSize(setup, "b"),
                    (System.nanoTime() - started) / 1e9);

            writeOrders(setup, "a", 300, 400);
            writeOrders(setup, "b", 100, 150);
            awaitCompleted(setup, 551);
            stop(peer);

            writeOrders(setup, "a", 400, 450);
            peer = start(setup, "restart");
            awaitCompleted(setup, 601);
            stop(peer);

            assertOrders(setup, Map.of("a", 450, "b", 150));
            assertContinuation(setup, "continued_a");
            for (String id : setup.sources().keySet()) {
                Map<Long, Integer> applied = appliedSeqs(setup, id);
                List<Long> seqs = outboxSeqs(setup, id);
                for (long seq : seqs) {
                    assertEquals(1, applied.getOrDefault(seq, 0), "seq " + seq + " of source " + id + " is applied once");
                }
                assertEquals(seqs.size(), applied.size(), "the audit of source " + id + " names only its outbox seqs");
            }
            System.out.println("clean restarts: " + count(setup.destination(), "SELECT SUM(events) FROM bam_peer_batches")
                    + " events, " + count(setup.destination(), "SELECT COUNT(*) FROM bam_peer_batches") + " batches; source a "
                    + eventsPerSecond(setup, "a", backlog) + " events/s while streaming its backlog");
        }
    }

    @Test
    void replayAfterKillConvergesToTheSameTables() throws Exception {
        try (Setup setup = setup("k")) {
            PeerProcess peer = start(setup, "first");
            awaitStreaming(setup, peer);
            stop(peer);
            writeContinuation(setup, "k", "continued_k");
            writeOrders(setup, "k", 0, 500);
            // offsets flushed once a minute: the first batch's flush is the only one before the kill
            peer = start(setup, "before-kill", 60_000);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (count(setup.destination(), "SELECT COUNT(*) FROM bam_peer_batches") < 3) {
                assertTrue(System.nanoTime() < deadline, "three batches applied within " + WAIT);
                Thread.sleep(5);
            }
            peer.kill();
            long appliedBeforeKill = count(setup.destination(), "SELECT SUM(events) FROM bam_peer_batches");

            // what followed the flushed offset is applied again: Begins and Updates after their End included
            peer = start(setup, "after-kill", 60_000);
            awaitCompleted(setup, 501);
            stop(peer);

            assertOrders(setup, Map.of("k", 500));
            assertContinuation(setup, "continued_k");
            Map<Long, Integer> applied = appliedSeqs(setup, "k");
            List<Long> seqs = outboxSeqs(setup, "k");
            long twice = 0;
            for (long seq : seqs) {
                int times = applied.getOrDefault(seq, 0);
                assertTrue(times == 1 || times == 2, "seq " + seq + " is applied once, or twice around the kill: " + times);
                twice += times == 2 ? 1 : 0;
            }
            assertTrue(twice > 0 && twice <= appliedBeforeKill, twice + " applied twice, " + appliedBeforeKill + " before the kill");
            System.out.println("kill -9 after " + appliedBeforeKill + " of " + seqs.size() + " events: " + twice
                    + " applied twice");
        }
    }

    @Test
    void refusesABadArgumentWithExitCodeTwo() throws Exception {
        PeerProcess peer = PeerProcess.start(work.resolve("bad-argument.log"), List.of("--host", "127.0.0.1", "--port", "99999"));
        assertEquals(2, peer.awaitExit());
        assertTrue(Files.readString(peer.log).contains("--port '99999' must be a whole number from 1 to 65535"),
                Files.readString(peer.log));
    }

    // ---- fixture

    private static Setup setup(String... sourceIds) throws Exception {
        int n = NEXT.incrementAndGet();
        Map<String, String> sourceDbs = new LinkedHashMap<>();
        Map<String, HikariDataSource> sources = new LinkedHashMap<>();
        for (String id : sourceIds) {
            String database = "peer_src_" + n + "_" + id;
            sourceDbs.put(id, database);
            sources.put(id, pool(database));
            try (Connection connection = sources.get(id).getConnection()) {
                OutboxSchema.create(connection, OutboxSchema.DEFAULT_TABLE);
            }
        }
        String destinationDb = "peer_dst_" + n;
        HikariDataSource destination = pool(destinationDb);
        new ActivityDeployer(destination).deploy(DefinitionFile.parse("definitions.yaml", DEFINITIONS));
        return new Setup(sourceDbs, sources, destinationDb, destination, work.resolve("state-" + n));
    }

    private static HikariDataSource pool(String database) {
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(server.jdbcUrl(database));
        pool.setUsername("root");
        pool.setPassword("");
        pool.setMaximumPoolSize(2);
        return pool;
    }

    private PeerProcess start(Setup setup, String label) throws Exception {
        return start(setup, label, 200);
    }

    private PeerProcess start(Setup setup, String label, int flushMillis) throws Exception {
        List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", Integer.toString(server.port()),
                "--user", "root", "--password", "", "--destination", setup.destinationDb(), "--state", setup.state().toString(),
                "--batch", "200", "--flush-ms", Integer.toString(flushMillis)));
        setup.sourceDbs().forEach((id, database) -> args.addAll(List.of("--source", id + "=" + database)));
        PeerProcess peer = PeerProcess.start(work.resolve(setup.destinationDb() + "-" + label + ".log"), args);
        peers.add(peer);
        return peer;
    }

    private static void awaitStreaming(Setup setup, PeerProcess peer) throws InterruptedException {
        for (String id : setup.sources().keySet()) {
            peer.awaitLine("PEER STREAMING " + id, WAIT);
        }
    }

    private static void stop(PeerProcess peer) throws InterruptedException {
        peer.stop();
        assertTrue(peer.lines().contains("PEER STOPPED"), "printed " + peer.lines() + "; see " + peer.log);
    }

    /** Orders {@code from} until {@code to}: Begin, Update (Customer, Step 1, Placed), Update (Step 2), End, as the benchmarks write. */
    private static void writeOrders(Setup setup, String source, int from, int to) throws SQLException {
        try (Connection connection = setup.sources().get(source).getConnection()) {
            connection.setAutoCommit(false);
            try (EventStream events = EventStream.on(connection).flushThreshold(400)) {
                for (int i = from; i < to; i++) {
                    String id = source + "-" + i;
                    events.beginActivity("Order", id)
                            .updateActivity("Order", id, "Customer", "customer " + i, "Step", 1, "Placed", PLACED.plusSeconds(i))
                            .updateActivity("Order", id, "Step", 2)
                            .endActivity("Order", id);
                }
            }
            connection.commit();
        }
    }

    /** An order whose own End comes before the End of its continuation, which then completes it. */
    private static void writeContinuation(Setup setup, String source, String id) throws SQLException {
        try (EventStream events = EventStream.on(setup.sources().get(source))) {
            events.beginActivity("Order", id)
                    .updateActivity("Order", id, "Customer", "continued", "Step", 1)
                    .addReference("Order", id, "Shipment", "tracking", "T-" + id)
                    .enableContinuation("Order", id, id + "-shipping")
                    .endActivity("Order", id)
                    .updateActivity("Order", id + "-shipping", "Step", 3)
                    .endActivity("Order", id + "-shipping");
        }
    }

    private static void awaitCompleted(Setup setup, long orders) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long done;
        while ((done = count(setup.destination(), "SELECT COUNT(*) FROM bam_Order_completed")) < orders) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(done + " of " + orders + " orders completed within " + WAIT);
            }
            Thread.sleep(20);
        }
    }

    /** Every order of every source completed with its last values, none left active. */
    private static void assertOrders(Setup setup, Map<String, Integer> ordersBySource) throws SQLException {
        Map<String, Integer> seen = new HashMap<>();
        try (Connection connection = setup.destination().getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT ActivityID, Customer, Step, Placed FROM bam_Order_completed"
                     + " WHERE Customer <> 'continued'")) {
            while (rows.next()) {
                String id = rows.getString(1);
                String source = id.substring(0, id.indexOf('-'));
                int i = Integer.parseInt(id.substring(id.indexOf('-') + 1));
                assertEquals("customer " + i, rows.getString(2), id);
                assertEquals(2, rows.getLong(3), id);
                assertEquals(LocalDateTime.ofInstant(PLACED.plusSeconds(i), ZoneOffset.UTC), rows.getObject(4, LocalDateTime.class), id);
                seen.merge(source, 1, Integer::sum);
            }
        }
        assertEquals(ordersBySource, seen, "completed orders by source");
        assertEquals(0, count(setup.destination(), "SELECT COUNT(*) FROM bam_Order_active"), "no order is left active");
    }

    private static void assertContinuation(Setup setup, String id) throws SQLException {
        assertEquals(1, count(setup.destination(), "SELECT COUNT(*) FROM bam_Order_completed WHERE ActivityID = '" + id
                + "' AND Customer = 'continued' AND Step = 3"), "the continuation's update reached " + id);
        assertEquals(0, count(setup.destination(), "SELECT COUNT(*) FROM bam_Order_continuations"), "no token is left open");
        assertEquals(1, count(setup.destination(), "SELECT COUNT(*) FROM bam_Order_relationships WHERE ActivityID = '" + id
                + "' AND ReferenceData = 'T-" + id + "'"), "the reference of " + id);
    }

    /** How many committed audit rows of {@code source} name each seq. */
    private static Map<Long, Integer> appliedSeqs(Setup setup, String source) throws SQLException {
        Map<Long, Integer> applied = new HashMap<>();
        try (Connection connection = setup.destination().getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT seqs, events FROM bam_peer_batches WHERE source = '" + source + "'")) {
            while (rows.next()) {
                SeqRanges ranges = SeqRanges.parse(rows.getString(1));
                long events = 0;
                for (int r = 0; r < ranges.rangeCount(); r++) {
                    for (long seq = ranges.from(r); seq <= ranges.to(r); seq++) {
                        applied.merge(seq, 1, Integer::sum);
                        events++;
                    }
                }
                assertEquals(rows.getInt(2), events, "an audit row's event count matches its seqs");
            }
        }
        return applied;
    }

    private static List<Long> outboxSeqs(Setup setup, String source) throws SQLException {
        List<Long> seqs = new ArrayList<>();
        try (Connection connection = setup.sources().get(source).getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT seq FROM bam_outbox ORDER BY seq")) {
            while (rows.next()) {
                seqs.add(rows.getLong(1));
            }
        }
        return seqs;
    }

    private static long outboxSize(Setup setup, String source) throws SQLException {
        return count(setup.sources().get(source), "SELECT COUNT(*) FROM bam_outbox");
    }

    /** Events over the span of the backlog's commits (the source's first {@code backlog} seqs), from the audit rows. */
    private static String eventsPerSecond(Setup setup, String source, long backlog) throws SQLException {
        try (Connection connection = setup.destination().getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT SUM(events), TIMESTAMPDIFF(MICROSECOND, MIN(committed_at),"
                     + " MAX(committed_at)) FROM bam_peer_batches WHERE source = '" + source + "' AND last_seq <= " + backlog)) {
            row.next();
            return row.getLong(2) == 0 ? "n/a" : String.format("%,.0f", row.getLong(1) / (row.getLong(2) / 1e6));
        }
    }

    private static long count(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql)) {
            return row.next() ? row.getLong(1) : 0;
        }
    }
}
