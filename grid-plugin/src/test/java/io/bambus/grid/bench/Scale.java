package io.bambus.grid.bench;

import com.hazelcast.map.IMap;
import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.config.DatabaseConfig;
import io.bambus.core.db.Pools;
import io.bambus.core.event.EventStream;
import io.bambus.core.testing.TestDatabase;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.testing.BusUsers;
import io.bambus.grid.testing.ManySources;
import io.bambus.grid.testing.MemberProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scale: 1,000, 3,000 and 10,000 sessions on 3 member processes. The sources share one database,
 * each with its own outbox table holding one order; the bus logs in as users of its own (one for
 * the destination, one for the sources), so that the server counts per user what it does.
 * Reports per session count:
 * <ul>
 * <li>the time from the first member's start to every session having moved its order (setup
 * apart: creating the tables is not measured);</li>
 * <li>per member: threads, heap used after a full GC, resident memory, destination and source
 * connections (the processlist's client ports matched to the member's sockets);</li>
 * <li>with every session idle: the statements the source user runs per second (MariaDB's
 * per-user statistics, counted over {@value #IDLE_WINDOW_SECONDS} s);</li>
 * <li>kill -9 of the member running the most sessions: time until each of its sessions is
 * claimed elsewhere (its epoch in the destination's checkpoint rises), how many sessions of the
 * survivors were restarted too, and the time until one new event per moved session is applied.</li>
 * </ul>
 * Arguments: session counts (default 1000 3000 10000), member heap (default 1g up to 1,000
 * sessions, 2g above), {@code cold} to kill without first waiting for the members' JIT compilers
 * to settle (by default the kill waits until they have compiled for less than 0.25 s in 10 s).
 */
public final class Scale {

    private static final int MEMBERS = 3;
    private static final int SETTLE_SECONDS = 10;
    private static final int IDLE_WINDOW_SECONDS = 20;
    private static final long KILL_DEADLINE_MILLIS = 120_000;
    private static final long NEW_EVENT_DEADLINE_MILLIS = 60_000;
    private static final long POLL_MILLIS = 50;
    /** How long the members' JIT compilers must have been (nearly) idle before the kill, and how long to wait for it at most. */
    private static final long JIT_QUIET_MILLIS = 10_000;
    private static final long JIT_WAIT_MILLIS = 240_000;
    /** "cold": kill without waiting for the members' JIT compilers to settle. */
    private static boolean cold;

    public static void main(String[] args) throws Exception {
        List<Integer> counts = new ArrayList<>();
        String heap = null;
        for (String arg : args) {
            if (arg.matches("\\d+")) {
                counts.add(Integer.parseInt(arg));
            } else if (arg.equals("cold")) {
                cold = true;
            } else {
                heap = arg;
            }
        }
        if (counts.isEmpty()) {
            counts = List.of(1000, 3000, 10000);
        }
        List<String> blocks = new ArrayList<>();
        for (int n : counts) {
            String block = run(n, heap != null ? heap : n <= 1000 ? "1g" : "2g");
            System.out.println(block);
            blocks.add(block);
        }
        System.out.println();
        System.out.println("Scale, " + MEMBERS + " member processes, one order per source, one outbox table per source:");
        blocks.forEach(System.out::println);
        System.exit(0); // the Hazelcast client's and the pools' threads
    }

    private static String run(int n, String heap) throws Exception {
        TestDatabase server = TestDatabase.get();
        String sourceDb = server.create("scale_src");
        String destinationDb = server.create("scale_dst");
        Path dir = Files.createTempDirectory("bambus-scale");
        StringBuilder out = new StringBuilder();
        try (HikariDataSource source = patientPool(server, sourceDb, 4);
             HikariDataSource destination = patientPool(server, destinationDb, 2);
             BusUsers users = BusUsers.create(server, destinationDb, sourceDb);
             UserStatistics statistics = UserStatistics.open(destination)) {
            long setupStart = System.nanoTime();
            Path config = ManySources.configure(server, source, sourceDb, destinationDb, dir, n, null, users,
                    (connection, table, i) -> {
                        try (EventStream events = EventStream.on(connection).outboxTable(table)) {
                            String id = "s" + i + "-order";
                            events.beginActivity("Order", id).updateActivity("Order", id, "Step", 1)
                                    .updateActivity("Order", id, "Step", 2).endActivity("Order", id);
                        }
                    });
            double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
            System.out.printf("SCALE %,d sessions: setup (not measured) %.1f s: %,d outbox tables with one order each%n", n,
                    setupSeconds, n);

            try (MemberProcesses members = new MemberProcesses(config, MEMBERS).heap(heap).startWait(300)) {
                out.append(String.format("%,6d sessions (-Xmx%s): %s; setup (not measured) %.1f s%n", n, heap,
                        startAll(members, destination, n), setupSeconds));
                IMap<String, SessionRecord> sessions = members.sessions(); // connected before anything is counted
                awaitBalanced(sessions, n);
                BenchSupport.sleep(SETTLE_SECONDS * 1000L); // a fixed settling time: sessions go idle, pools settle
                long moved = count(destination, "SELECT COUNT(*) FROM bam_checkpoints WHERE events_applied >= "
                        + BenchSupport.EVENTS_PER_ORDER);
                out.append("        ").append(idle(statistics, users, n, moved)).append('\n');
                for (String line : perMember(members, destination, users)) {
                    out.append("        ").append(line).append('\n');
                }
                for (String line : killOne(members, sessions, destination, source)) {
                    out.append("        ").append(line).append('\n');
                }
            }
        } finally {
            server.drop(sourceDb);
            server.drop(destinationDb);
        }
        return out.toString().stripTrailing();
    }

    /**
     * The benchmark's own pool, as the server's user: it waits up to a minute for a connection,
     * as a server swamped by the sessions under test may take that long to accept one.
     */
    private static HikariDataSource patientPool(TestDatabase server, String database, int size) {
        DatabaseConfig config = server.config(database, size);
        return Pools.open("scale-" + database, new DatabaseConfig(config.jdbcUrl(), config.username(), config.password(), size,
                60_000, 300_000));
    }

    /**
     * Starts the members one after the other and meanwhile counts the sessions that have moved
     * their order; returns the time until all have, and when each member reported started.
     */
    private static String startAll(MemberProcesses members, HikariDataSource destination, int n) throws Exception {
        long start = System.nanoTime();
        ExecutorService starter = Executors.newSingleThreadExecutor();
        Future<double[]> started = starter.submit(() -> {
            double[] seconds = new double[MEMBERS];
            for (int i = 0; i < MEMBERS; i++) {
                members.start(i);
                seconds[i] = (System.nanoTime() - start) / 1e9;
            }
            return seconds;
        });
        starter.shutdown();
        long deadline = start + (600_000L + 60L * n) * 1_000_000L;
        long done = 0;
        long ninetyNine = 0;
        long all = 0;
        while (System.nanoTime() < deadline) {
            if (started.isDone()) {
                started.get(); // a member that did not start ends the run here
            }
            done = count(destination, "SELECT COUNT(*) FROM bam_checkpoints WHERE events_applied >= " + BenchSupport.EVENTS_PER_ORDER);
            if (ninetyNine == 0 && done >= Math.ceil(n * 0.99)) {
                ninetyNine = System.nanoTime() - start;
            }
            if (done >= n) {
                all = System.nanoTime() - start;
                break;
            }
            BenchSupport.sleep(100);
        }
        double[] memberStarts = started.get(); // all three run before anything else is measured
        String result = String.format("%s in %.1f s (%s) from the first member's start (members started at %.1f, %.1f, %.1f s)",
                done >= n ? "all moved their order" : "ONLY " + done + " moved their order",
                (done >= n ? all : System.nanoTime() - start) / 1e9,
                ninetyNine > 0 ? String.format("99%% in %.1f s", ninetyNine / 1e9) : "99% never", memberStarts[0],
                memberStarts[1], memberStarts[2]);
        System.out.println("SCALE " + n + " sessions: " + result);
        return result;
    }

    /**
     * Waits (bounded) until every session has an owner and the members run equal shares (within
     * one): the rebalancing after the last join is over.
     */
    private static void awaitBalanced(IMap<String, SessionRecord> sessions, int n) {
        long start = System.nanoTime();
        long deadline = start + 120_000_000_000L;
        Map<String, Integer> owners = owners(sessions);
        while (!balanced(owners, n) && System.nanoTime() < deadline) {
            BenchSupport.sleep(200);
            owners = owners(sessions);
        }
        System.out.printf("SCALE %d sessions: %s %.1f s after all members started: sessions per member %s%n", n,
                balanced(owners, n) ? "balanced" : "NOT balanced", (System.nanoTime() - start) / 1e9, owners.values());
    }

    private static boolean balanced(Map<String, Integer> owners, int n) {
        int owned = owners.values().stream().mapToInt(Integer::intValue).sum();
        return owned == n && owners.size() == MEMBERS
                && owners.values().stream().mapToInt(Integer::intValue).max().orElse(0)
                - owners.values().stream().mapToInt(Integer::intValue).min().orElse(0) <= 1;
    }

    /** Sessions per owner address, from the session records. */
    private static Map<String, Integer> owners(IMap<String, SessionRecord> sessions) {
        Map<String, Integer> owners = new TreeMap<>();
        for (SessionRecord record : sessions.values()) {
            if (record.ownerAddress() != null) {
                owners.merge(record.ownerAddress(), 1, Integer::sum);
            }
        }
        return owners;
    }

    /** The statements the bus's users run per second while every session is idle (has moved its order). */
    private static String idle(UserStatistics statistics, BusUsers users, int n, long moved) throws Exception {
        String label = moved >= n ? "idle" : "NOT idle (only " + moved + " had moved their order)";
        if (statistics == null) {
            return label + ": not measured (the server keeps no per-user statistics: MariaDB's userstat)";
        }
        UserStatistics.Commands sourceBefore = statistics.commands(users.sourceUser());
        UserStatistics.Commands destinationBefore = statistics.commands(users.destinationUser());
        long start = System.nanoTime();
        BenchSupport.sleep(IDLE_WINDOW_SECONDS * 1000L);
        UserStatistics.Commands source = statistics.commands(users.sourceUser()).since(sourceBefore);
        UserStatistics.Commands destination = statistics.commands(users.destinationUser()).since(destinationBefore);
        double seconds = (System.nanoTime() - start) / 1e9;
        String result = String.format("%s: %,.0f source queries/s in all, %.2f per session (select %,.0f/s, update %,.0f/s,"
                        + " other %,.0f/s: SET, COMMIT, ...); destination %,.0f queries/s; pings besides, server-wide: %,.0f/s"
                        + " (over %d s, userstat)", label, source.total() / seconds, source.total() / seconds / n, source.selects() / seconds,
                source.updates() / seconds, source.others() / seconds, destination.total() / seconds,
                source.serverPings() / seconds, IDLE_WINDOW_SECONDS);
        System.out.println("SCALE " + n + " sessions: " + result);
        return result;
    }

    /** Per member: threads, heap after a full GC, RSS, and its destination and source connections. */
    private static List<String> perMember(MemberProcesses members, HikariDataSource admin, BusUsers users) throws Exception {
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            pids.add(members.pid(i));
        }
        Map<Integer, Long> byPort = ProcessFigures.tcpLocalPorts(pids);
        Map<Long, Integer> dst = UserStatistics.byProcess(UserStatistics.clientPorts(admin, users.destinationUser()), byPort);
        Map<Long, Integer> src = UserStatistics.byProcess(UserStatistics.clientPorts(admin, users.sourceUser()), byPort);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            long pid = pids.get(i);
            lines.add(String.format("m%d: %,d threads, heap %,d MB after full GC, RSS %,d MB; dst %d, src %,d connections", i,
                    ProcessFigures.threads(pid), ProcessFigures.heapAfterGcMb(pid), ProcessFigures.rssMb(pid),
                    dst.getOrDefault(pid, 0), src.getOrDefault(pid, 0)));
        }
        if (dst.containsKey(-1L) || src.containsKey(-1L)) {
            lines.add(String.format("not a member's: dst %d, src %d connections", dst.getOrDefault(-1L, 0), src.getOrDefault(-1L, 0)));
        }
        lines.forEach(line -> System.out.println("SCALE " + line));
        return lines;
    }

    /**
     * kill -9 of the member running the most sessions, all idle: until when each of its sessions is
     * claimed elsewhere (its checkpoint's epoch rises: a destination commit), whether sessions of
     * the survivors restarted too, and how soon one new event in each moved session is applied.
     */
    private static List<String> killOne(MemberProcesses members, IMap<String, SessionRecord> sessions,
                                        HikariDataSource destination, HikariDataSource source) throws Exception {
        Map<String, Integer> running = owners(sessions);
        int victim = 0;
        for (int i = 1; i < MEMBERS; i++) {
            if (running.getOrDefault(members.address(i), 0) > running.getOrDefault(members.address(victim), 0)) {
                victim = i;
            }
        }
        Set<String> moving = new HashSet<>();
        for (SessionRecord record : sessions.values()) {
            if (members.address(victim).equals(record.ownerAddress())) {
                moving.add(record.sessionId());
            }
        }
        String jit = cold ? "killed without waiting for the members' JIT compilers (cold)"
                : BenchSupport.awaitJitQuiet(members, MEMBERS, JIT_QUIET_MILLIS, JIT_WAIT_MILLIS) + "; then the kill";
        Map<String, long[]> before = checkpoints(destination);

        long killed = System.nanoTime();
        members.kill(victim);
        Map<String, Long> claimedAt = new HashMap<>();
        long deadline = killed + KILL_DEADLINE_MILLIS * 1_000_000L;
        int polls = 0;
        while (claimedAt.size() < moving.size() && System.nanoTime() < deadline) {
            Map<String, long[]> now = checkpointsOrEmpty(destination);
            long seen = System.nanoTime();
            polls++;
            for (String session : moving) {
                long[] row = now.get(session);
                if (!claimedAt.containsKey(session) && row != null && row[0] > before.get(session)[0]) {
                    claimedAt.put(session, (seen - killed) / 1_000_000);
                }
            }
            BenchSupport.sleep(POLL_MILLIS);
        }
        double pollMillis = (System.nanoTime() - killed) / 1e6 / Math.max(1, polls);
        List<String> lines = new ArrayList<>();
        lines.add(jit);
        lines.add(String.format("kill -9 m%d (%,d of %,d sessions) -> each claimed elsewhere (checkpoint epoch up, polled every"
                        + " %.0f ms): %s; never within %d s: %,d", victim, moving.size(), before.size(), pollMillis,
                stats(new ArrayList<>(claimedAt.values())), KILL_DEADLINE_MILLIS / 1000, moving.size() - claimedAt.size()));
        System.out.println("SCALE " + lines.get(0));

        lines.add(newEventApplied(destination, source, claimedAt.keySet()));
        System.out.println("SCALE " + lines.get(1));

        // counted last: any restart of a survivor's session during the failover and the new events
        int restarted = 0;
        for (Map.Entry<String, long[]> row : checkpoints(destination).entrySet()) {
            long[] earlier = before.get(row.getKey());
            if (!moving.contains(row.getKey()) && earlier != null && row.getValue()[0] != earlier[0]) {
                restarted++;
            }
        }
        lines.add(String.format("sessions restarted on survivors: %,d (of %,d not on m%d)", restarted, before.size() - moving.size(),
                victim));
        System.out.println("SCALE " + lines.get(2));
        return lines;
    }

    /**
     * One new event in each moved session's outbox, all in one source transaction; the time from
     * its commit until each session's checkpoint counts it.
     */
    private static String newEventApplied(HikariDataSource destination, HikariDataSource source, Set<String> moved)
            throws Exception {
        if (moved.isEmpty()) {
            return "after the move, one new event per moved session: none moved";
        }
        Map<String, long[]> before = checkpoints(destination);
        try (Connection connection = source.getConnection()) {
            connection.setAutoCommit(false);
            for (String session : moved) {
                try (EventStream events = EventStream.on(connection).outboxTable("ob_" + session.substring(1))) {
                    events.beginActivity("Order", session + "-after-kill");
                }
            }
            connection.commit();
        }
        long committed = System.nanoTime();
        Map<String, Long> appliedAt = new HashMap<>();
        long deadline = committed + NEW_EVENT_DEADLINE_MILLIS * 1_000_000L;
        while (appliedAt.size() < moved.size() && System.nanoTime() < deadline) {
            Map<String, long[]> now = checkpointsOrEmpty(destination);
            long seen = System.nanoTime();
            for (String session : moved) {
                long[] row = now.get(session);
                if (!appliedAt.containsKey(session) && row != null && row[1] > before.get(session)[1]) {
                    appliedAt.put(session, (seen - committed) / 1_000_000);
                }
            }
            BenchSupport.sleep(POLL_MILLIS);
        }
        return String.format("after the move, one new event per moved session -> applied: %s; never within %d s: %,d",
                stats(new ArrayList<>(appliedAt.values())), NEW_EVENT_DEADLINE_MILLIS / 1000, moved.size() - appliedAt.size());
    }

    /** Every session's checkpoint: {epoch, events applied}, in one query. */
    private static Map<String, long[]> checkpoints(HikariDataSource destination) throws SQLException {
        Map<String, long[]> rows = new HashMap<>();
        try (Connection connection = destination.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT session_id, epoch, events_applied FROM bam_checkpoints");
             ResultSet row = select.executeQuery()) {
            while (row.next()) {
                rows.put(row.getString(1), new long[] {row.getLong(2), row.getLong(3)});
            }
        }
        return rows;
    }

    /** As {@link #checkpoints}; none when the query fails (a poll that did not see anything). */
    private static Map<String, long[]> checkpointsOrEmpty(HikariDataSource destination) {
        try {
            return checkpoints(destination);
        } catch (SQLException e) {
            System.out.println("(a poll of bam_checkpoints failed: " + e.getMessage() + ")");
            return Map.of();
        }
    }

    private static String stats(List<Long> millis) {
        if (millis.isEmpty()) {
            return "n=0";
        }
        millis.sort(Long::compare);
        return String.format("n=%,d p50 %,d ms, p99 %,d ms, max %,d ms", millis.size(), BenchSupport.percentile(millis, 50),
                BenchSupport.percentile(millis, 99), millis.get(millis.size() - 1));
    }

    private static long count(HikariDataSource pool, String sql) {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql)) {
            return row.next() ? row.getLong(1) : 0;
        } catch (SQLException e) {
            return 0; // not deployed yet
        }
    }
}
