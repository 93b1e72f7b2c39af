package io.bambus.grid.demo;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.SourceConfig;
import io.bambus.core.db.Pools;
import io.bambus.core.outbox.OutboxReader;
import io.bambus.grid.security.SerializationAllowlist;
import io.bambus.grid.session.SessionRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Prints where the events are and who runs which session, every few seconds: the members, each
 * session's owner, epoch, state and events moved, what waits in each source, and the destination.
 *
 * <p>Arguments: bus configuration file, cluster name, the members' client addresses (comma-separated), interval
 * seconds, rounds (0 = until stopped), and optionally {@code check}: then it exits 0 as soon as
 * every session runs, has moved events and none failed, or 1 after the rounds.
 */
public final class DemoStatus {

    public static void main(String[] args) throws Exception {
        BusConfig config = BusConfig.load(Path.of(args[0]));
        ClientConfig client = SerializationAllowlist.apply(new ClientConfig());
        client.setClusterName(args[1]);
        client.setProperty("hazelcast.logging.type", "none");
        for (String address : args[2].split(",")) {
            client.getNetworkConfig().addAddress(address);
        }
        int interval = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        boolean check = args.length > 5 && args[5].equals("check");
        HazelcastInstance hz = HazelcastClient.newHazelcastClient(client);
        List<HikariDataSource> pools = new ArrayList<>();
        try {
            HikariDataSource destination = Pools.open("status-destination", config.destination());
            pools.add(destination);
            TreeMap<String, OutboxReader> readers = new TreeMap<>();
            for (SourceConfig source : config.sources()) {
                HikariDataSource pool = Pools.open("status-" + source.id(), source.database());
                pools.add(pool);
                readers.put(source.id(), new OutboxReader(pool, source.outboxTable(), config.session().retention()));
            }
            IMap<String, SessionRecord> sessions = hz.getMap(config.sessionsMap());
            for (int round = 0; rounds == 0 || round < rounds; round++) {
                boolean healthy = print(hz, sessions, readers, destination);
                if (check && healthy) {
                    System.out.println("CHECK PASSED: every session runs and moves events, none failed");
                    return;
                }
                Thread.sleep(interval * 1000L);
            }
            if (check) {
                System.out.println("CHECK FAILED: not every session ran and moved events without failures");
                System.exit(1);
            }
        } finally {
            pools.forEach(HikariDataSource::close);
            hz.shutdown();
        }
    }

    /** Prints the status; returns whether every session runs, has moved events and none failed. */
    private static boolean print(HazelcastInstance hz, IMap<String, SessionRecord> sessions,
                              TreeMap<String, OutboxReader> readers, HikariDataSource destination) throws Exception {
        StringBuilder out = new StringBuilder();
        boolean healthy = true;
        out.append(LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss"))).append("  members:");
        for (Member member : hz.getCluster().getMembers()) {
            out.append(" ").append(io.bambus.grid.status.Addresses.of(member));
        }
        out.append(String.format("%n  %-8s %-8s %-20s %6s %10s %14s%n", "session", "state", "runs on", "epoch", "moved",
                "waiting in src"));
        for (var entry : readers.entrySet()) {
            SessionRecord record = sessions.get(entry.getKey());
            long waiting = entry.getValue().lag().events();
            healthy &= record != null && record.state() == io.bambus.grid.session.SessionState.RUNNING
                    && record.eventsMoved() > 0 && record.eventsFailed() == 0;
            if (record == null) {
                out.append(String.format("  %-8s (no session record yet)%n", entry.getKey()));
            } else {
                out.append(String.format("  %-8s %-8s %-20s %6d %10d %14d%s%n", entry.getKey(), record.state(),
                        record.ownerAddress(), record.epoch(), record.eventsMoved(), waiting,
                        record.lastError() == null ? "" : "  error: " + record.lastError()));
            }
        }
        try (Connection connection = destination.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT (SELECT COUNT(*) FROM bam_Order_active),"
                     + " (SELECT COUNT(*) FROM bam_Order_completed), (SELECT COUNT(*) FROM bam_failed_events)")) {
            row.next();
            out.append(String.format("  destination: %d orders active, %d completed, %d failed events%n", row.getLong(1),
                    row.getLong(2), row.getLong(3)));
        } catch (java.sql.SQLException e) {
            out.append("  destination: not ready (").append(e.getMessage()).append(")\n");
            healthy = false;
        }
        System.out.print(out);
        System.out.flush();
        return healthy;
    }
}
