package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.Producer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A session record lost with all its replicas comes back, and its session resumes above the old epoch. */
class RecordLossInProcessTest {

    @Test
    @Timeout(120)
    void lostRecordIsCreatedAgainAndTheSessionResumesFencedAboveTheOldEpoch() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("orders"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer producer = new Producer("orders", env.sources.get("orders"), 2)) {
            Duration timeout = Duration.ofSeconds(60);
            HazelcastInstance member = cluster.start(0);
            Await.until("the session to run", timeout, () -> ClusterFixture.running(member).equals(Set.of("orders")));
            Await.until("events to flow", timeout, () -> env.applied("orders") > 0);
            long oldEpoch = BusMember.of(member).sessions().get("orders").epoch();

            BusMember.of(member).sessions().delete("orders"); // as if every replica died

            Await.until("the record to come back with a newer epoch and the session to commit", timeout, () -> {
                var record = BusMember.of(member).sessions().get("orders");
                return record != null && record.epoch() > oldEpoch && record.eventsMoved() > 0;
            }, () -> "" + BusMember.of(member).sessions().get("orders"));
            assertTrue(ClusterFixture.running(member).contains("orders"));
            DeliveryCheck.assertExactlyOnce(env, "orders", producer.stop(), timeout);
        }
    }
}
