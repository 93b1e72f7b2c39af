package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.bambus.core.config.ConfigException;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.Producer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ConfigurationInProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    @Timeout(150)
    void aSessionGoesOnlyToMembersWhoseBusFileHasItsSource() throws Exception {
        List<String> ids = List.of("orders", "invoices", "shipments", "returns", "payments", "refunds");
        long seed = System.nanoTime();
        String only = ids.get(new java.util.Random(seed).nextInt(ids.size()));
        System.out.println("CANNOT-RUN seed " + seed + ": the second member's bus file has only '" + only + "'");
        try (BusEnvironment env = new BusEnvironment(ids, null);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            java.nio.file.Path partial = env.configFile.resolveSibling("bus-partial.yaml");
            env.writeConfig(List.of(only), null);
            Files.copy(env.configFile, partial, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            env.writeConfig(ids, null);
            HazelcastInstance first = cluster.start(0);
            Await.until("all six sessions on the first member", TIMEOUT, () -> ClusterFixture.running(first).size() == 6);
            HazelcastInstance second = cluster.start(1, partial);
            // before: the second member got its three of six (⌈6/2⌉), at least two of them sources it does not have, and
            // those sessions stood still there for good while the deciding member thought them placed
            String secondUuid = second.getCluster().getLocalMember().getUuid().toString();
            com.hazelcast.map.IMap<String, io.bambus.grid.placement.PlacementPlan> plans =
                    first.getMap(io.bambus.grid.placement.PlacementPlan.MAP);
            Await.until("a plan over both members, every session running, none on a member without its source", TIMEOUT,
                    () -> {
                        var plan = plans.get(io.bambus.grid.placement.PlacementPlan.KEY);
                        Set<String> onSecond = ClusterFixture.running(second);
                        Set<String> all = new java.util.TreeSet<>(ClusterFixture.running(first));
                        all.addAll(onSecond);
                        return plan != null && plan.members().contains(secondUuid)
                                && Set.of(only).containsAll(plan.sessionsOf(secondUuid))
                                && all.size() == 6 && Set.of(only).containsAll(onSecond);
                    }, () -> "plan " + plans.get(io.bambus.grid.placement.PlacementPlan.KEY) + ", first "
                            + ClusterFixture.running(first) + ", second " + ClusterFixture.running(second));
        }
    }

    @Test
    @Timeout(120)
    void sessionsFollowSourcesAddedToAndRemovedFromTheConfiguration() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("first", "second"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            env.writeConfig(List.of("first"), null);
            HazelcastInstance member = cluster.start(0);
            Await.until("the configured session to run", TIMEOUT, () -> ClusterFixture.running(member).equals(Set.of("first")));
            assertNull(BusMember.of(member).sessions().get("second"));

            try (Producer second = new Producer("second", env.sources.get("second"), 2)) {
                env.writeConfig(List.of("first", "second"), null);
                Await.until("the added source's session to run", TIMEOUT,
                        () -> ClusterFixture.running(member).equals(Set.of("first", "second")));
                DeliveryCheck.assertExactlyOnce(env, "second", second.stop(), TIMEOUT);
            }

            env.writeConfig(List.of("second"), null);
            Await.until("the removed source's session to stop and its record to go", TIMEOUT,
                    () -> ClusterFixture.running(member).equals(Set.of("second"))
                            && BusMember.of(member).sessions().get("first") == null);
        }
    }

    @Test
    @Timeout(120)
    void anEditedSessionSettingReachesTheRunningSessions() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("sized"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer producer = new Producer("sized", env.sources.get("sized"), 1)) {
            HazelcastInstance member = cluster.start(0);
            Await.until("the session to commit", TIMEOUT, () -> env.applied("sized") > 40);
            long epoch = env.query(env.destination, "SELECT epoch FROM bam_checkpoints WHERE session_id = 'sized'");
            env.writeConfig(List.of("sized"), "batchSize: 3\n");
            Await.until("the running session to restart with the new batch size", TIMEOUT,
                    () -> env.count(env.destination, "SELECT epoch FROM bam_checkpoints WHERE session_id = 'sized'") > epoch);
            // every batch committed from now on holds at most 3 events (each read of the checkpoint sees the last one)
            long batchBefore = env.query(env.destination, "SELECT batch_no FROM bam_checkpoints WHERE session_id = 'sized'");
            java.util.Set<Long> seen = new java.util.HashSet<>();
            Await.until("ten batches under the new settings", TIMEOUT, () -> {
                String[] row = lastBatch(env);
                long batch = Long.parseLong(row[0]);
                if (batch > batchBefore && seen.add(batch)) {
                    long events = events(io.bambus.core.session.SeqRanges.parse(row[1]));
                    assertTrue(events <= 3, "batch " + batch + " holds " + events + " events (" + row[1] + ")");
                }
                return seen.size() >= 10;
            });
            DeliveryCheck.assertExactlyOnce(env, "sized", producer.stop(), TIMEOUT);
            assertEquals(Set.of("sized"), ClusterFixture.running(member));
        }
    }

    private static String[] lastBatch(BusEnvironment env) {
        try (java.sql.Connection connection = env.destination.getConnection();
             java.sql.ResultSet row = connection.createStatement().executeQuery(
                     "SELECT batch_no, batch_seqs FROM bam_checkpoints WHERE session_id = 'sized'")) {
            row.next();
            return new String[] {row.getString(1), row.getString(2)};
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long events(io.bambus.core.session.SeqRanges ranges) {
        long events = 0;
        for (int i = 0; i < ranges.rangeCount(); i++) {
            events += ranges.to(i) - ranges.from(i) + 1;
        }
        return events;
    }

    @Test
    @Timeout(120)
    void invalidConfigurationStopsTheMemberWithTheProblemNamed() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("only"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            Files.writeString(env.configFile, Files.readString(env.configFile) + "batchSize: lots\n");
            Throwable failure = assertThrows(Throwable.class, () -> cluster.start(0));
            Throwable cause = failure;
            while (!(cause instanceof ConfigException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            assertTrue(cause instanceof ConfigException, "expected a ConfigException, got " + failure);
            assertTrue(cause.getMessage().contains("batchSize: 'lots' must be a whole number from 1 to 10000"), cause.getMessage());
        }
    }

    @Test
    @Timeout(120)
    void editedInvalidConfigurationIsReportedAndTheRunningOneKept() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("kept"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer producer = new Producer("kept", env.sources.get("kept"), 2)) {
            HazelcastInstance member = cluster.start(0);
            Await.until("the session to run", TIMEOUT, () -> ClusterFixture.running(member).equals(Set.of("kept")));
            String good = Files.readString(env.configFile);
            Files.writeString(env.configFile, good.replace("sources:", "sourcez:"));
            Await.until("the member to report the invalid edit", TIMEOUT, () -> BusMember.of(member).configError() != null);
            assertTrue(BusMember.of(member).configError().contains("sourcez: unknown key"), BusMember.of(member).configError());
            long before = env.applied("kept");
            Await.until("the session to keep moving on the old configuration", TIMEOUT, () -> env.applied("kept") > before + 400);
            assertEquals(Set.of("kept"), ClusterFixture.running(member));
            DeliveryCheck.assertExactlyOnce(env, "kept", producer.stop(), TIMEOUT);
        }
    }

    @Test
    @Timeout(120)
    void aRefusedDefinitionChangeIsReportedAndTheBusKeepsRunningAndRestartingSessions() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("orders"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer producer = new Producer("orders", env.sources.get("orders"), 2)) {
            HazelcastInstance member = cluster.start(0);
            Await.until("the session to run", TIMEOUT, () -> ClusterFixture.running(member).equals(Set.of("orders")));
            // retyping an item is refused at deploy; the edited bus file makes the member deploy again
            Files.writeString(env.dir.resolve("definitions.yaml"),
                    BusEnvironment.DEFINITIONS.replace("{ name: Step, type: integer }", "{ name: Step, type: float }"));
            Files.writeString(env.configFile, Files.readString(env.configFile) + "\n# edited\n");
            Await.until("the member to report the refused deployment", TIMEOUT, () -> BusMember.of(member).configError() != null
                    && BusMember.of(member).configError().contains("not deployed"));

            // a fence (a runner elsewhere claims a newer epoch) needs the placement loop to start a new runner
            long owner = BusMember.of(member).sessions().get("orders").epoch();
            new io.bambus.core.apply.Applier(env.destination, "orders").claim(owner + 5, false);
            Await.until("the member to run the session again above epoch " + (owner + 5), TIMEOUT,
                    () -> BusMember.of(member).sessions().get("orders").epoch() > owner + 5
                            && ClusterFixture.running(member).equals(Set.of("orders")));
            long before = env.applied("orders");
            Await.until("the session to keep moving", TIMEOUT, () -> env.applied("orders") > before + 100);
            DeliveryCheck.assertExactlyOnce(env, "orders", producer.stop(), TIMEOUT);
        }
    }
}
