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
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The product's scenario with real members in one JVM and the plain names: A one member runs
 * both sessions; B a second joins and takes one over, whichever the balancer picks; C the first
 * shuts down; D the survivor runs both. Producers write throughout; the destination must hold every
 * event exactly once, in order.
 */
class FailoverInProcessTest {

    private static final String ORDERS = "orders";
    private static final String BILLING = "billing";

    @Test
    @Timeout(180)
    void joinAndShutdownMoveSessionsWithNothingLostOrDuplicated() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of(ORDERS, BILLING), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer orders = new Producer(ORDERS, env.sources.get(ORDERS), 2);
             Producer billing = new Producer(BILLING, env.sources.get(BILLING), 2)) {
            Duration timeout = Duration.ofSeconds(60);

            // A: one member runs both sessions
            HazelcastInstance first = cluster.start(0);
            Await.until("member 1 to run both sessions", timeout,
                    () -> ClusterFixture.running(first).equals(Set.of(ORDERS, BILLING)), () -> "" + ClusterFixture.running(first));
            Await.until("events to flow", timeout, () -> env.applied(ORDERS) > 0 && env.applied(BILLING) > 0);

            // B: a second member joins and takes one session over (either); the other keeps running on member 1
            Map<String, Long> epochs = Map.of(ORDERS, epoch(first, ORDERS), BILLING, epoch(first, BILLING));
            HazelcastInstance second = cluster.start(1);
            Await.until("each member to run one session", timeout,
                    () -> ClusterFixture.running(first).size() == 1 && ClusterFixture.running(second).size() == 1
                            && runners(first) == 1,
                    () -> "member 1 " + ClusterFixture.running(first) + ", member 2 " + ClusterFixture.running(second));
            String moved = ClusterFixture.running(second).iterator().next();
            String stayed = ClusterFixture.running(first).iterator().next();
            assertEquals(epochs.get(stayed), epoch(first, stayed), "a join must not restart the session it does not move");
            long movedAt = env.applied(moved);
            Await.until("the moved session to commit on member 2", timeout, () -> env.applied(moved) > movedAt);

            // C: the first member shuts down; D: the survivor runs both
            first.shutdown();
            Await.until("member 2 to run both sessions", timeout,
                    () -> ClusterFixture.running(second).equals(Set.of(ORDERS, BILLING)), () -> "" + ClusterFixture.running(second));
            long survivorAt = env.applied(stayed);
            Await.until("the survivor to commit " + stayed, timeout, () -> env.applied(stayed) > survivorAt);

            long ordersWritten = orders.stop();
            long billingWritten = billing.stop();
            DeliveryCheck.assertExactlyOnce(env, ORDERS, ordersWritten, timeout);
            DeliveryCheck.assertExactlyOnce(env, BILLING, billingWritten, timeout);
        }
    }

    private static long epoch(HazelcastInstance member, String session) {
        return BusMember.of(member).sessions().get(session).epoch();
    }

    /** Runners on the member, stopping ones included: a moved session's runner must be gone. */
    private static int runners(HazelcastInstance member) {
        return BusMember.of(member).runners().size();
    }
}
