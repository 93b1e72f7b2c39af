package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

class RetentionInProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    @Timeout(120)
    void aRunningSessionPurgesMovedRowsOnceTheyArePastTheRetention() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("shop"), "retention: 2s\n");
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer producer = new Producer("shop", env.sources.get("shop"), 2)) {
            HazelcastInstance member = cluster.start(0);
            Await.until("the session to run", TIMEOUT, () -> ClusterFixture.running(member).equals(Set.of("shop")));
            Await.until("some orders", TIMEOUT, () -> producer.orders() > 200);
            long orders = producer.stop();
            DeliveryCheck.assertExactlyOnce(env, "shop", orders, TIMEOUT);
            Await.until("every moved row purged after the 2 s retention", TIMEOUT, () -> env.count(env.sources.get("shop"), "SELECT COUNT(*) FROM bam_outbox") == 0,
                    () -> "(" + env.count(env.sources.get("shop"), "SELECT COUNT(*) FROM bam_outbox") + " rows left)");
            assertEquals(orders * Producer.EVENTS_PER_ORDER, env.applied("shop"), "purging changed nothing delivered");
        }
    }

}
