package io.bambus.grid.bench;

import io.bambus.core.db.EmbeddedMySql;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.MemberProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The bus beside what a user would assemble instead: Debezium's embedded engine reading the same
 * outbox tables from the binary log into a hand-written writer ({@code bench/peer}, its README says
 * what it does and does not guarantee). One run, one server: a MariaDB started here with the binary
 * log in row format, serving both pipelines in turn, on the same events (each pipeline its own
 * databases). Per pipeline: events/s at 1, 2 and 4 sources (over the measured part of preloaded
 * outboxes, after a warm-up part); CPU seconds per 10,000 events of its own processes (the two
 * members; the peer's JVM) and of the database server, in the same window; end-to-end latency at
 * half the bus's 2-source rate; and a kill -9 of its process mid-stream (a bus member; the peer's
 * JVM, restarted at once as a supervisor would): events lost, events applied twice, seconds until
 * events flow again.
 * Arguments: [ordersPerSource] [batchSize] [sourceCounts] [warmUpOrdersPerSource] [latencySeconds].
 */
public final class Peer {

    public static void main(String[] args) throws Exception {
        BenchSupport.RateArgs parsed = BenchSupport.RateArgs.parse(args);
        int orders = parsed.orders();
        int batch = parsed.batch();
        int[] counts = parsed.counts();
        int warmUp = parsed.warmUp();
        int latencySeconds = parsed.rest().length > 0 ? Integer.parseInt(parsed.rest()[0]) : 30;
        try (EmbeddedMySql server = EmbeddedMySql.start(0, null, List.of("--log-bin=mysql-bin", "--binlog-format=ROW",
                "--server-id=1", "--binlog-row-image=FULL", "--expire-logs-days=1"))) {
            System.setProperty("bambus.test.jdbcUrl", "jdbc:mysql://127.0.0.1:" + server.port() + "/");
            long serverPid = serverPid(server.port());
            List<String> lines = new ArrayList<>();
            double busRateAt2 = 0;
            for (int sources : counts) {
                BusRate.Result bus = BusRate.measure(sources, orders, warmUp, batch, serverPid);
                BusRate.Result peer = peerRate(sources, orders, warmUp, batch, serverPid);
                if (sources == 2) {
                    busRateAt2 = bus.eventsPerSecond();
                }
                lines.add(String.format("sources %d: bus %,.0f events/s, peer %,.0f events/s, bus/peer %.2f; CPU s per 10,000 events:"
                                + " bus members %.2f, peer JVM %.2f (bus/peer %.2f); database server %.2f with the bus, %.2f with the peer",
                        sources, bus.eventsPerSecond(), peer.eventsPerSecond(), bus.eventsPerSecond() / peer.eventsPerSecond(),
                        bus.cpuPer10k(), peer.cpuPer10k(), bus.cpuPer10k() / peer.cpuPer10k(),
                        bus.serverCpuSeconds() * 10_000 / bus.events(), peer.serverCpuSeconds() * 10_000 / peer.events()));
                System.out.println("PEER " + lines.get(lines.size() - 1));
            }
            if (busRateAt2 == 0) {
                busRateAt2 = BusRate.measure(2, orders, warmUp, batch, serverPid).eventsPerSecond();
            }
            // half the bus's 2-source rate, as orders/s per source (4 events an order)
            int rate = Math.max(1, (int) (busRateAt2 / 2 / 2 / BenchSupport.EVENTS_PER_ORDER));
            String busLatency = FixedLoad.summary(Latency.bus(rate, latencySeconds));
            String peerLatency = FixedLoad.summary(peerLatency(rate, latencySeconds, batch));
            lines.add(String.format("latency at %,d events/s (half the bus's 2-source rate), 2 sources: bus %s; peer %s",
                    rate * 2 * BenchSupport.EVENTS_PER_ORDER, busLatency, peerLatency));
            System.out.println("PEER " + lines.get(lines.size() - 1));
            lines.add("kill -9 mid-stream at the same load: bus (one of 2 members) " + busKill(rate, batch) + "; peer (its JVM,"
                    + " restarted at once) " + peerKill(rate, batch));
            System.out.println("PEER " + lines.get(lines.size() - 1));
            System.out.println();
            System.out.printf("Peer, batch size %d, %d orders (x4 events) per source timed after %d warm-up orders, MariaDB %s with"
                    + " the binary log (row format):%n", batch, orders, warmUp, serverVersion(server.port()));
            lines.forEach(line -> System.out.println("  " + line));
        }
    }

    /** The peer over {@code sources} preloaded outboxes, timed as the bus is ({@link BusRate#window}). */
    private static BusRate.Result peerRate(int sources, int orders, int warmUp, int batch, long serverPid) throws Exception {
        try (BusEnvironment env = new BusEnvironment(BenchSupport.sourceIds(sources), null); PeerPipeline peer = new PeerPipeline(env, batch)) {
            env.definitions(BusEnvironment.PLAIN_DEFINITIONS); // the rates of record: no aggregation kept
            BenchSupport.deploy(env);
            // the first start records where the binary log stands; the outboxes fill while it is stopped
            peer.start();
            peer.stop();
            for (String id : env.sourceIds()) {
                BenchSupport.preload(env.sources.get(id), id, warmUp + orders);
            }
            peer.start();
            BusRate.Result result = BusRate.window(peer::applied, (long) warmUp * BenchSupport.EVENTS_PER_ORDER * sources,
                    (long) (warmUp + orders) * BenchSupport.EVENTS_PER_ORDER * sources, new long[] {peer.pid()}, serverPid, "the peer");
            peer.stop();
            return result;
        }
    }

    private static List<Long> peerLatency(int rate, int seconds, int batch) throws Exception {
        try (BusEnvironment env = new BusEnvironment(BenchSupport.sourceIds(2), null); PeerPipeline peer = new PeerPipeline(env, batch)) {
            env.definitions(BusEnvironment.PLAIN_DEFINITIONS); // the rates of record: no aggregation kept
            BenchSupport.deploy(env);
            peer.start();
            List<Long> latencies = Latency.measure(env.sources, env.destination, rate, seconds);
            peer.stop();
            return latencies;
        }
    }

    /** The fixed load on 2 sources for 10 s, a kill -9 of the member running src0, 10 s more, then the count. */
    private static String busKill(int rate, int batch) throws Exception {
        List<String> ids = BenchSupport.sourceIds(2);
        try (BusEnvironment env = new BusEnvironment(ids, "batchSize: " + batch + "\npollIntervalMillis: 5\n");
             MemberProcesses members = new MemberProcesses(env.configFile, 2)) {
            env.definitions(BusEnvironment.PLAIN_DEFINITIONS); // the rates of record: no aggregation kept
            members.start(0);
            members.start(1);
            Await.until("both sessions to run", Duration.ofSeconds(60), () -> members.owner("src0") != null
                    && members.owner("src1") != null);
            long[] flow;
            long[] produced = new long[2];
            try (FixedLoad load = new FixedLoad(Map.copyOf(env.sources), env.destination, rate)) {
                BenchSupport.sleep(10_000); // the load runs before the kill
                String owner = members.owner("src0");
                int victim = owner.equals(members.address(0)) ? 0 : 1;
                String batchOf = "SELECT batch_no FROM bam_checkpoints WHERE session_id = 'src0'";
                long before = env.query(env.destination, batchOf);
                long killedAt = System.nanoTime();
                members.kill(victim);
                flow = awaitChange(() -> env.count(env.destination, batchOf), before, killedAt);
                BenchSupport.sleep(10_000); // the load runs after the kill
                load.stopProducing();
                produced[0] = load.produced("src0");
                produced[1] = load.produced("src1");
            }
            long events = (produced[0] + produced[1]) * BenchSupport.EVENTS_PER_ORDER;
            String sum = "SELECT COALESCE(SUM(events_applied), 0) FROM bam_checkpoints";
            Await.until("the bus to apply every event", Duration.ofMinutes(5), () -> env.count(env.destination, sum) >= events);
            BenchSupport.sleep(2_000); // any event applied twice would show by now (the count is already complete)
            long applied = env.query(env.destination, sum);
            long failed = env.query(env.destination, "SELECT COUNT(*) FROM bam_failed_events");
            long completed = env.query(env.destination, "SELECT COUNT(DISTINCT ActivityID) FROM bam_Order_completed");
            return String.format("lost %d, applied twice %d (events applied %d of %d produced, %d failed), events flowed again"
                            + " %.2f s after the kill (%d orders completed of %d)", produced[0] + produced[1] - completed,
                    applied - events + failed, applied, events, failed, flow[1] / 1e9, completed, produced[0] + produced[1]);
        }
    }

    /** The same with the peer: kill -9 of its JVM, restarted at once (its offsets flushed every second). */
    private static String peerKill(int rate, int batch) throws Exception {
        List<String> ids = BenchSupport.sourceIds(2);
        try (BusEnvironment env = new BusEnvironment(ids, null); PeerPipeline peer = new PeerPipeline(env, batch)) {
            env.definitions(BusEnvironment.PLAIN_DEFINITIONS); // the rates of record: no aggregation kept
            BenchSupport.deploy(env);
            peer.start();
            long[] flow;
            long produced;
            try (FixedLoad load = new FixedLoad(Map.copyOf(env.sources), env.destination, rate)) {
                BenchSupport.sleep(10_000); // the load runs before the kill
                long before = peer.lastBatch();
                long killedAt = System.nanoTime();
                peer.kill();
                peer.start();
                flow = awaitChange(peer::lastBatch, before, killedAt);
                BenchSupport.sleep(10_000); // the load runs after the kill
                load.stopProducing();
                produced = load.produced("src0") + load.produced("src1");
            }
            long events = produced * BenchSupport.EVENTS_PER_ORDER;
            Await.until("the peer to apply every event", Duration.ofMinutes(5), () -> distinctApplied(peer, ids) >= events);
            peer.stop();
            long twice = 0;
            long lost = 0;
            for (String id : ids) {
                long[] counts = peer.twiceAndLost(id);
                twice += counts[0];
                lost += counts[1];
            }
            long completed = env.query(env.destination, "SELECT COUNT(DISTINCT ActivityID) FROM bam_Order_completed");
            long active = env.query(env.destination, "SELECT COUNT(*) FROM bam_Order_active");
            return String.format("lost %d, applied twice %d (of %d events), events flowed again %.2f s after the kill (%d orders"
                    + " completed of %d, %d left active)", lost, twice, events, flow[1] / 1e9, completed, produced, active);
        }
    }

    /** Events of the sources' outboxes the peer has applied at least once. */
    private static long distinctApplied(PeerPipeline peer, List<String> ids) {
        try {
            long applied = 0;
            for (String id : ids) {
                long[] counts = peer.twiceAndLost(id);
                applied += counts[2] - counts[1];
            }
            return applied;
        } catch (Exception e) {
            return -1; // the audit table is being written: polled again
        }
    }

    /** Polls every 5 ms until {@code value} differs from {@code before}; {value, nanos since {@code since}}. */
    private static long[] awaitChange(java.util.function.LongSupplier value, long before, long since) {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            long now = value.getAsLong();
            if (now != before && now > 0) {
                return new long[] {now, System.nanoTime() - since};
            }
            BenchSupport.sleep(5);
        }
        throw new IllegalStateException("nothing committed within 120 s of the kill");
    }


    private static long serverPid(int port) throws Exception {
        try (Connection connection = java.sql.DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + port + "/", "root", "");
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT @@pid_file")) {
            row.next();
            return Long.parseLong(Files.readString(Path.of(row.getString(1))).trim());
        }
    }

    private static String serverVersion(int port) throws Exception {
        try (Connection connection = java.sql.DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + port + "/", "root", "");
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT VERSION()")) {
            row.next();
            return row.getString(1);
        }
    }
}
