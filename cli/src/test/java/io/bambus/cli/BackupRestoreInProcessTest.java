package io.bambus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.bambus.grid.BusMember;
import io.bambus.grid.session.SessionState;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.Producer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class BackupRestoreInProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);



    private static List<String> common(BusEnvironment env, ClusterFixture cluster) {
        return List.of("--config", env.configFile.toString(), "--cluster", cluster.clusterName(), "--members",
                cluster.clientAddress(0));
    }

    @Test
    @Timeout(180)
    void aBackupTakenMidStreamIsRestoredAndEveryEventIsThereExactlyOnce() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("shop"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer producer = new Producer("shop", env.sources.get("shop"), 2)) {
            HazelcastInstance member = cluster.start(0);
            Await.until("the session to run", TIMEOUT, () -> ClusterFixture.running(member).equals(Set.of("shop")));
            Await.until("events to flow", TIMEOUT, () -> env.applied("shop") > 1_000);
            Path backup = env.dir.resolve("backup.sql");
            CliRun taken = CliRun.of(common(env, cluster), "backup", "--output", backup.toString());
            assertEquals(0, taken.exit(), taken.err());
            long atBackup = env.applied("shop");
            Await.until("many more events after the backup", TIMEOUT, () -> env.applied("shop") > atBackup + 8_000);
            long orders = producer.stop();
            DeliveryCheck.assertExactlyOnce(env, "shop", orders, TIMEOUT);
            long before = env.applied("shop");

            long start = System.nanoTime();
            CliRun restored = CliRun.of(common(env, cluster), "restore", backup.toString());
            assertEquals(0, restored.exit(), restored.out() + restored.err());
            assertTrue(restored.out().contains("replaying the rest from the source"), restored.out());
            java.util.regex.Matcher batches = java.util.regex.Pattern.compile("back to batch (\\d+) \\(was (\\d+)\\)")
                    .matcher(restored.out());
            assertTrue(batches.find(), restored.out());
            assertTrue(Long.parseLong(batches.group(1)) < Long.parseLong(batches.group(2)),
                    "the destination went back to the backup's checkpoint: " + restored.out());
            long resumed = System.nanoTime();
            long restoredAt = env.applied("shop");
            DeliveryCheck.assertExactlyOnce(env, "shop", orders, TIMEOUT);
            double replaySeconds = (System.nanoTime() - resumed) / 1e9;
            System.out.printf("restore: command %.1f s; replay of %d events after it returned: %.2f s, %.0f events/s%n",
                    (resumed - start) / 1e9, before - restoredAt, replaySeconds, (before - restoredAt) / replaySeconds);
            assertEquals(SessionState.RUNNING, BusMember.of(member).sessions().get("shop").state(), "resumed");
        }
    }

    @Test
    @Timeout(180)
    void aRestoreOlderThanTheRetentionIsRefusedWithTheLostRangeAndChangesNothing() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("shop"), "retention: 1s\n");
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer producer = new Producer("shop", env.sources.get("shop"), 2)) {
            HazelcastInstance member = cluster.start(0);
            Await.until("the session to run", TIMEOUT, () -> ClusterFixture.running(member).equals(Set.of("shop")));
            Await.until("events to flow", TIMEOUT, () -> env.applied("shop") > 200);
            Path backup = env.dir.resolve("old.sql");
            assertEquals(0, CliRun.of(common(env, cluster), "backup", "--output", backup.toString()).exit());
            long atBackup = env.applied("shop");
            Await.until("more events after the backup", TIMEOUT, () -> env.applied("shop") > atBackup + 1_000);
            long orders = producer.stop();
            DeliveryCheck.assertExactlyOnce(env, "shop", orders, TIMEOUT);
            Await.until("the moved rows to be purged after the 1 s retention", TIMEOUT, () -> env.count(env.sources.get("shop"), "SELECT COUNT(*) FROM bam_outbox") == 0);
            long completed = env.query(env.destination, "SELECT COUNT(*) FROM bam_Order_completed");

            CliRun refused = CliRun.of(common(env, cluster), "restore", backup.toString());
            assertEquals(1, refused.exit(), refused.out() + refused.err());
            assertTrue(refused.err().contains("restore refused, nothing was changed"), refused.err());
            assertTrue(refused.err().matches("(?s).*source shop: batches \\d+–\\d+ \\(outbox seqs about \\d+–\\d+\\) are no longer"
                    + " in the source's outbox.*"), refused.err());
            assertEquals(completed, env.query(env.destination, "SELECT COUNT(*) FROM bam_Order_completed"), "destination unchanged");
            assertEquals(orders * Producer.EVENTS_PER_ORDER, env.applied("shop"));
            assertEquals(SessionState.RUNNING, BusMember.of(member).sessions().get("shop").state(), "sessions untouched");

            CliRun badFile = CliRun.of(common(env, cluster), "restore", env.dir.resolve("missing.sql").toString());
            assertEquals(2, badFile.exit());
            assertEquals(2, CliRun.of(common(env, cluster), "backup", "--output", backup.toString()).exit(), "never overwrites");
        }
    }

}
