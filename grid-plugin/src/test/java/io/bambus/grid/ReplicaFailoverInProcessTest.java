package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hazelcast.core.HazelcastInstance;
import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.config.DatabaseConfig;
import io.bambus.core.db.EmbeddedMySql;
import io.bambus.core.db.Pools;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.Producer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The destination as a MariaDB primary with a replica (two embedded servers): events flow, the
 * replica stops applying (it lags), more events commit on the primary only, the primary dies, the
 * replica is promoted; the bus, pointed at both by a multi-host JDBC URL, fails over by itself and
 * replays from the sources' retention what the replica missed: every event present exactly once.
 */
class ReplicaFailoverInProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @Test
    @Timeout(300)
    void aPromotedReplicaThatMissedCommitsGetsThemReplayed() throws Exception {
        EmbeddedMySql primary = EmbeddedMySql.start(0, null, List.of("--server-id=1", "--log-bin=primary-bin",
                "--binlog-format=ROW"));
        EmbeddedMySql replica = null;
        try {
            // the embedded servers run without grant tables, so views carry DEFINER=`` which a replica refuses:
            // the test's replica leaves the views out (the activity's, its activity views' and its aggregation's: a real
            // replica has the bus's user and takes them)
            replica = EmbeddedMySql.start(0, null, List.of("--server-id=2", "--log-bin=replica-bin", "--binlog-format=ROW",
                    "--replicate-wild-ignore-table=bam.%all_instances", "--replicate-wild-ignore-table=bam.%view"));
            try (HikariDataSource replicaAdmin = pool(replica.port(), "mysql")) {
                execute(replicaAdmin, "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + primary.port()
                        + ", MASTER_USER='root', MASTER_PASSWORD='', MASTER_SSL=0, MASTER_USE_GTID=slave_pos");
                execute(replicaAdmin, "START SLAVE");
            }
            try (HikariDataSource primaryAdmin = pool(primary.port(), "mysql")) {
                execute(primaryAdmin, "CREATE DATABASE bam");
            }
            String url = "jdbc:mysql://127.0.0.1:" + primary.port() + ",127.0.0.1:" + replica.port()
                    + "/bam?failOverReadOnly=false&secondsBeforeRetrySource=3600&queriesBeforeRetrySource=0";
            try (BusEnvironment env = new BusEnvironment(List.of("shop"), null)) {
                env.destinationUrl(url, "root", "");
                try (ClusterFixture cluster = new ClusterFixture(env.configFile);
                     Producer producer = new Producer("shop", env.sources.get("shop"), 2);
                     HikariDataSource onPrimary = pool(primary.port(), "bam");
                     HikariDataSource onReplica = pool(replica.port(), "bam")) {
                    HazelcastInstance member = cluster.start(0);
                    Await.until("the session to run", TIMEOUT, () -> ClusterFixture.running(member).equals(Set.of("shop")));
                    Await.until("events on the replica", TIMEOUT, () -> applied(onReplica) > 1_000);

                    try (HikariDataSource replicaAdmin = pool(replica.port(), "mysql")) {
                        execute(replicaAdmin, "STOP SLAVE");   // the replica falls behind
                        long onReplicaAtStop = applied(onReplica);
                        Await.until("commits the replica misses", TIMEOUT, () -> applied(onPrimary) > onReplicaAtStop + 2_000);
                        long missed = applied(onPrimary) - applied(onReplica);
                        primary.close();                        // the primary dies
                        execute(replicaAdmin, "RESET SLAVE ALL");    // promoted
                        System.out.printf("replica promoted; it missed %d committed events%n", missed);
                    }
                    long orders = producer.stop();
                    long events = orders * Producer.EVENTS_PER_ORDER;
                    Await.until("every event on the promoted replica", TIMEOUT, () -> applied(onReplica) >= events,
                            () -> "(applied " + applied(onReplica) + " of " + events + ")");
                    assertEquals(events, applied(onReplica), "exactly once after the failover");
                    assertEquals(orders, count(onReplica, "SELECT COUNT(*) FROM bam_Order_completed WHERE Step = 2"));
                    assertEquals(0, count(onReplica, "SELECT COUNT(*) FROM bam_Order_active"));
                    assertEquals(0, count(onReplica, "SELECT COUNT(*) FROM bam_failed_events"));
                    // the aggregation came across with the rows it counts, and the replayed batches moved it once
                    System.out.println(io.bambus.grid.testing.ChaosCheck.checkAggregation(onReplica));
                }
            }
        } finally {
            if (replica != null) {
                replica.close();
            }
            primary.close();
        }
    }

    private static HikariDataSource pool(int port, String database) {
        return Pools.open("test-" + port + "-" + database, new DatabaseConfig("jdbc:mysql://127.0.0.1:" + port + "/" + database,
                "root", "", 2, 5_000, 60_000));
    }

    private static void execute(HikariDataSource pool, String sql) throws SQLException {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static long applied(HikariDataSource pool) {
        return count(pool, "SELECT COALESCE(SUM(events_applied), 0) FROM bam_checkpoints");
    }

    private static long count(HikariDataSource pool, String sql) {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql)) {
            return row.next() ? row.getLong(1) : 0;
        } catch (SQLException e) {
            return -1;
        }
    }
}
