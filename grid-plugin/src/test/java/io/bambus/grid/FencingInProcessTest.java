package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.bambus.core.apply.Applier;
import io.bambus.core.session.StaleEpochException;
import io.bambus.core.outbox.OutboxReader;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.runner.SessionMover;
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

class FencingInProcessTest {

    @Test
    @Timeout(120)
    void staleRunnerCannotCommitAndTheFencedOwnerTakesANewerEpoch() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("orders"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer producer = new Producer("orders", env.sources.get("orders"), 2)) {
            Duration timeout = Duration.ofSeconds(60);
            HazelcastInstance member = cluster.start(0);
            Await.until("the session to run", timeout, () -> ClusterFixture.running(member).equals(Set.of("orders")));
            Await.until("events to flow", timeout, () -> env.applied("orders") > 0);
            long ownerEpoch = BusMember.of(member).sessions().get("orders").epoch();

            // a runner from elsewhere (a split-brain twin) claims the session with a higher epoch
            long zombieEpoch = ownerEpoch + 10;
            SessionMover zombie = new SessionMover(new OutboxReader(env.sources.get("orders"), OutboxSchema.DEFAULT_TABLE,
                    Duration.ofDays(1)), new Applier(env.destination, "orders"), 50, zombieEpoch);
            zombie.claim();

            // the member's runner is refused at its next commit, stops itself, and restarts above the fence
            Await.until("the member to run the session above epoch " + zombieEpoch, timeout,
                    () -> BusMember.of(member).sessions().get("orders").epoch() > zombieEpoch
                            && ClusterFixture.running(member).equals(Set.of("orders")));
            long resumedAt = env.applied("orders");
            Await.until("the member to commit again", timeout, () -> env.applied("orders") > resumedAt);

            // now the twin is the stale one: its commit is refused
            // (it may first read nothing, or stop below a seq an open producer transaction holds: poll until it reads)
            StaleEpochException refused = null;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (refused == null && System.nanoTime() < deadline) {
                try {
                    assertEquals(0, zombie.moveBatch(), "a stale runner never commits a batch");
                    Thread.sleep(50); // the zombie's poll interval
                } catch (StaleEpochException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null && refused.recordedEpoch() > zombieEpoch, "the twin's commit was refused: " + refused);

            DeliveryCheck.assertExactlyOnce(env, "orders", producer.stop(), timeout);
        }
    }
}
