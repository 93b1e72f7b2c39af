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

/**
 * The product's scenario with real members in one JVM: A one member runs both sessions; B a second
 * joins and takes one over; C the first shuts down; D the survivor runs both. Producers write
 * throughout; the destination must hold every event exactly once, in order.
 */
class FailoverInProcessTest {

    /** A 1→2 join moves partitions 0–134 to the new member (Hazelcast's arrangement, checked below). */
    private static final String MOVING = ClusterFixture.idInPartitions("shop", 0, 120);
    private static final String STAYING = ClusterFixture.idInPartitions("crm", 150, 270);

    @Test
    @Timeout(180)
    void joinAndShutdownMoveSessionsWithNothingLostOrDuplicated() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of(MOVING, STAYING), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer shop = new Producer(MOVING, env.sources.get(MOVING), 2);
             Producer crm = new Producer(STAYING, env.sources.get(STAYING), 2)) {
            Duration timeout = Duration.ofSeconds(60);

            // A: one member runs both sessions
            HazelcastInstance first = cluster.start(0);
            Await.until("member 1 to run both sessions", timeout,
                    () -> ClusterFixture.running(first).equals(Set.of(MOVING, STAYING)), () -> "" + ClusterFixture.running(first));
            Await.until("events to flow", timeout, () -> env.applied(MOVING) > 0 && env.applied(STAYING) > 0);

            // B: a second member joins and takes one session over; the other keeps running on member 1
            long stayingEpoch = BusMember.of(first).sessions().get(STAYING).epoch();
            HazelcastInstance second = cluster.start(1);
            Await.until("member 2 to run " + MOVING, timeout, () -> ClusterFixture.running(second).equals(Set.of(MOVING)),
                    () -> "member 1 " + ClusterFixture.running(first) + ", member 2 " + ClusterFixture.running(second));
            Await.until("member 1 to run only " + STAYING, timeout, () -> ClusterFixture.running(first).equals(Set.of(STAYING)));
            assertEquals(stayingEpoch, BusMember.of(first).sessions().get(STAYING).epoch(),
                    "a join must not restart the session it does not move");
            long movedAt = env.applied(MOVING);
            Await.until("the moved session to commit on member 2", timeout, () -> env.applied(MOVING) > movedAt);

            // C: the first member shuts down; D: the survivor runs both
            first.shutdown();
            Await.until("member 2 to run both sessions", timeout,
                    () -> ClusterFixture.running(second).equals(Set.of(MOVING, STAYING)), () -> "" + ClusterFixture.running(second));
            long survivorAt = env.applied(STAYING);
            Await.until("the survivor to commit " + STAYING, timeout, () -> env.applied(STAYING) > survivorAt);

            long shopOrders = shop.stop();
            long crmOrders = crm.stop();
            DeliveryCheck.assertExactlyOnce(env, MOVING, shopOrders, timeout);
            DeliveryCheck.assertExactlyOnce(env, STAYING, crmOrders, timeout);
        }
    }
}
