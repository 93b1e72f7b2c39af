package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hazelcast.core.HazelcastInstance;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.Producer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ArchiveInProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    @Timeout(120)
    void membersArchiveOnlyInstancesPastTheWindowWhileTheBusKeepsMoving() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("shop"), "archive: { after: 1d, every: 1s, batchSize: 25 }\n");
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer producer = new Producer("shop", env.sources.get("shop"), 2)) {
            HazelcastInstance first = cluster.start(0);
            HazelcastInstance second = cluster.start(1);
            Await.until("the session to run", TIMEOUT, () -> ClusterFixture.running(first).contains("shop")
                    || ClusterFixture.running(second).contains("shop"));
            Await.until("200 completed orders", TIMEOUT, () -> env.count(env.destination, "SELECT COUNT(*) FROM bam_Order_completed") >= 200);
            // 150 of them completed long ago (their events' times say so)
            try (var connection = env.destination.getConnection(); var statement = connection.createStatement()) {
                statement.executeUpdate("UPDATE bam_Order_completed SET LastModified = '2020-01-01' ORDER BY RecordID LIMIT 150");
            }
            Await.until("the members to archive the 150 old instances while events flow", TIMEOUT,
                    () -> env.count(env.destination, "SELECT COUNT(*) FROM bam_Order_archive") == 150);
            long orders = producer.stop();
            long events = orders * Producer.EVENTS_PER_ORDER;
            Await.until("every event applied", TIMEOUT, () -> env.applied("shop") >= events);
            assertEquals(events, env.applied("shop"), "exactly once while archiving");
            assertEquals(0, env.count(env.destination, "SELECT COUNT(*) FROM bam_failed_events"));
            assertEquals(150, env.count(env.destination, "SELECT COUNT(*) FROM bam_Order_archive"), "only rows past the window moved");
            assertEquals(orders, env.count(env.destination, "SELECT COUNT(*) FROM bam_Order_completed")
                    + env.count(env.destination, "SELECT COUNT(*) FROM bam_Order_archive"), "every order completed, online or archived");
            assertEquals(orders - 150, env.count(env.destination, "SELECT COUNT(*) FROM bam_Order_all_instances"),
                    "the view answers for the online window");
            assertEquals(0, env.count(env.destination, "SELECT COUNT(*) FROM bam_Order_archive WHERE Step <> 2"), "archived rows keep their data");
        }
    }

}
