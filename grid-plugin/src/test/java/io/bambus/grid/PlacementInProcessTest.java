package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.bambus.grid.ops.BusOperations;
import io.bambus.grid.testing.Await;
import io.bambus.grid.timeline.TimelineEntry;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.Producer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Balanced placement with real members in one JVM, on names nobody picked: source ids and a
 * sequence of joins, graceful stops and halts (terminate, as kill -9 does to a process) come from
 * a seeded generator (the seed is printed and named in every failure), 1 to 5 members. After each step: sessions
 * per member differ by at most one, exactly the necessary sessions moved (a join takes ⌊n/m⌋, a
 * loss moves only the lost member's), every session that did not move kept its epoch (it was not
 * restarted), and at the end every event arrived exactly once.
 */
class PlacementInProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_MEMBERS = 5;

    @Test
    @Timeout(600)
    void anyNamesAnyStepsStayBalancedWithMinimalMovesAndExactlyOnce() throws Exception {
        long[] seeds = {20261130L, System.nanoTime()};
        for (long seed : seeds) {
            System.out.println("PLACEMENT seed " + seed);
            run(seed);
        }
    }

    private void run(long seed) throws Exception {
        Random random = new Random(seed);
        List<String> ids = names(random, 3 + random.nextInt(6));
        String context = "seed " + seed + ", sources " + ids;
        try (BusEnvironment env = new BusEnvironment(ids, null);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            List<Producer> producers = new ArrayList<>();
            try {
                for (String id : ids) {
                    producers.add(new Producer(id, env.sources.get(id), 20));
                }
                Map<Integer, HazelcastInstance> live = new TreeMap<>();
                live.put(0, cluster.start(0));
                Map<String, Integer> owners = awaitBalanced(live, ids, context + ", start");
                for (int step = 0; step < 6; step++) {
                    // a member lost while partitions still migrate can take the only copy of a record with it (one
                    // backup): Hazelcast's limit, not placement's; operators wait for a safe cluster too
                    Await.until("the cluster to be safe (migrations done, backups in sync)", TIMEOUT,
                            () -> live.values().iterator().next().getPartitionService().isClusterSafe());
                    Map<String, Long> epochs = epochs(live, ids);
                    boolean join = live.size() == 1 || live.size() < MAX_MEMBERS && random.nextBoolean();
                    String what;
                    int changed;
                    if (join) {
                        changed = 0;
                        while (live.containsKey(changed)) {
                            changed++;
                        }
                        live.put(changed, cluster.start(changed));
                        what = "join of member " + changed;
                    } else {
                        List<Integer> indexes = new ArrayList<>(live.keySet());
                        changed = indexes.get(random.nextInt(indexes.size()));
                        HazelcastInstance victim = live.remove(changed);
                        if (random.nextBoolean()) {
                            victim.shutdown();
                            what = "graceful stop of member " + changed;
                        } else {
                            victim.getLifecycleService().terminate();
                            what = "terminate of member " + changed;
                        }
                    }
                    String at = context + ", step " + step + ": " + what + " (members now " + live.keySet() + ")";
                    System.out.println("PLACEMENT " + at);
                    Map<String, Integer> before = owners;
                    owners = awaitBalanced(live, ids, at);
                    List<String> moved = new ArrayList<>();
                    for (String id : ids) {
                        if (!owners.get(id).equals(before.get(id))) {
                            moved.add(id);
                        }
                    }
                    int lost = changed;
                    int expected = join ? ids.size() / live.size()
                            : (int) ids.stream().filter(id -> before.get(id) == lost).count();
                    assertEquals(expected, moved.size(), at + ": sessions moved " + moved + " (before " + before + ", after "
                            + owners + ")");
                    for (String id : ids) {
                        if (!moved.contains(id)) {
                            assertEquals(epochs.get(id), epoch(live, id), at + ": session " + id
                                    + " did not move, so it must not have restarted (its epoch changed)");
                        }
                    }
                    System.out.println("PLACEMENT   sessions per member " + shares(owners) + ", moved " + moved);
                }
                for (Producer producer : producers) {
                    DeliveryCheck.assertExactlyOnce(env, producer.sourceId(), producer.stop(), TIMEOUT);
                }
            } finally {
                for (Producer producer : producers) {
                    producer.close();
                }
            }
        }
    }

    @Test
    @Timeout(300)
    void anOperatorsMoveHoldsUntilTheNextMembershipChangeAndBalancingCanBeTurnedOff() throws Exception {
        long seed = System.nanoTime();
        List<String> ids = names(new Random(seed), 4);
        String context = "seed " + seed + ", sources " + ids;
        System.out.println("PLACEMENT " + context);
        try (BusEnvironment env = new BusEnvironment(ids, null);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            Map<Integer, HazelcastInstance> live = new TreeMap<>();
            live.put(0, cluster.start(0));
            live.put(1, cluster.start(1));
            Map<String, Integer> owners = awaitBalanced(live, ids, context);
            BusOperations ops = new BusOperations(live.get(0), "eventbus.sessions");

            // a hand move: the moved session stays on member 1, one other moves back to keep the counts
            Map<String, Long> epochs = epochs(live, ids);
            String moved = ids.stream().filter(id -> owners.get(id) == 0).findFirst().orElseThrow();
            ops.move(moved, cluster.address(1), "test:olga");
            Await.until(moved + " to run on member 1", TIMEOUT, () -> ClusterFixture.running(live.get(1)).contains(moved)
                    && !ClusterFixture.running(live.get(0)).contains(moved));
            awaitBalanced(live, ids, context + ", hand move");
            awaitPlacementTicks(ops);
            assertTrue(ClusterFixture.running(live.get(1)).contains(moved), context + ": the operator's move stays");
            Map<String, Long> after = epochs(live, ids);
            List<String> restarted = ids.stream().filter(id -> !after.get(id).equals(epochs.get(id))).toList();
            assertEquals(2, restarted.size(), context + ": the moved session and one to even the counts: " + restarted);
            long moves = timeline(ops, TimelineEntry.Kind.SESSION_MOVED);
            assertThrows(BusOperations.CommandRefusedException.class, () -> ops.move(moved, "127.0.0.1:1", "test:olga"));
            assertThrows(BusOperations.CommandRefusedException.class, () -> ops.move("no-such", cluster.address(0), "test:olga"));

            // the next membership change rebalances by count, and the timeline says why
            live.put(2, cluster.start(2));
            awaitBalanced(live, ids, context + ", join of member 2");
            assertTrue(timelineDetails(ops).stream().anyMatch(d -> d.contains("rebalance after " + cluster.address(2) + " joined")),
                    context + ": " + timelineDetails(ops));
            assertTrue(timeline(ops, TimelineEntry.Kind.SESSION_MOVED) > moves);

            // balancing off: a join takes nothing, a loss still moves the lost member's sessions
            ops.balancing(false, "test:olga");
            Map<String, Integer> before = awaitBalanced(live, ids, context + ", balancing off");
            live.put(3, cluster.start(3));
            Await.until("member 3 to be ready", TIMEOUT, () -> ops.plan().ready().size() == 4);
            Await.until("a decision after the join", TIMEOUT, () -> ops.plan().members().size() == 4);
            String third = live.get(3).getCluster().getLocalMember().getUuid().toString();
            assertTrue(ops.plan().sessionsOf(third).isEmpty(), context + ": balancing off, yet member 3 got sessions");
            live.remove(1).shutdown();
            Await.until("member 1's sessions to run elsewhere", TIMEOUT, () -> {
                int running = 0;
                for (HazelcastInstance member : live.values()) {
                    running += ClusterFixture.running(member).size();
                }
                return running == ids.size();
            });
            for (String id : ids) {
                if (before.get(id) != 1) {
                    assertTrue(ClusterFixture.running(live.get(before.get(id))).contains(id),
                            context + ": balancing off moved " + id + ", which was not on the lost member");
                }
            }
        }
    }

    /** Waits until the deciding member (the oldest) has published its status twice more: its placement loop ran meanwhile. */
    private static void awaitPlacementTicks(BusOperations ops) {
        long since = ops.members().get(0).status().updatedMillis();
        Await.until("the deciding member's placement loop to run", TIMEOUT, () -> {
            var status = ops.members().get(0).status();
            return status != null && status.updatedMillis() >= since + 2 * io.bambus.grid.status.MemberStatus.PUBLISH_MILLIS;
        });
    }

    private static long timeline(BusOperations ops, TimelineEntry.Kind kind) {
        return ops.timeline(0, 1000).entries().stream().filter(e -> e.kind() == kind).count();
    }

    private static List<String> timelineDetails(BusOperations ops) {
        return ops.timeline(0, 1000).entries().stream().filter(e -> e.kind() == TimelineEntry.Kind.SESSION_MOVED)
                .map(TimelineEntry::detail).toList();
    }

    /**
     * Waits until every session runs on exactly one live member, with counts differing by at most
     * one and no runner of a moved session left stopping; returns session → member index.
     */
    private static Map<String, Integer> awaitBalanced(Map<Integer, HazelcastInstance> live, List<String> ids, String at) {
        Map<String, Integer> owners = new HashMap<>();
        Await.until("balanced placement after " + at, TIMEOUT, () -> {
            owners.clear();
            Map<Integer, Integer> counts = new TreeMap<>();
            int runners = 0;
            for (Map.Entry<Integer, HazelcastInstance> member : live.entrySet()) {
                counts.put(member.getKey(), 0);
                runners += BusMember.of(member.getValue()) == null ? 0 : BusMember.of(member.getValue()).runners().size();
                for (String id : ClusterFixture.running(member.getValue())) {
                    if (owners.put(id, member.getKey()) != null) {
                        return false; // on two members at once (one is handing over)
                    }
                    counts.merge(member.getKey(), 1, Integer::sum);
                }
            }
            int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            int min = counts.values().stream().mapToInt(Integer::intValue).min().orElse(0);
            return owners.keySet().containsAll(ids) && max - min <= 1 && runners == ids.size();
        }, () -> "(running " + running(live) + ")");
        assertTrue(owners.keySet().containsAll(ids), at);
        return new HashMap<>(owners);
    }

    private static Map<Integer, Object> running(Map<Integer, HazelcastInstance> live) {
        Map<Integer, Object> view = new LinkedHashMap<>();
        live.forEach((index, member) -> view.put(index, ClusterFixture.running(member)));
        return view;
    }

    private static Map<Integer, Integer> shares(Map<String, Integer> owners) {
        Map<Integer, Integer> shares = new TreeMap<>();
        owners.values().forEach(m -> shares.merge(m, 1, Integer::sum));
        return shares;
    }

    private static Map<String, Long> epochs(Map<Integer, HazelcastInstance> live, List<String> ids) {
        Map<String, Long> epochs = new HashMap<>();
        for (String id : ids) {
            epochs.put(id, epoch(live, id));
        }
        return epochs;
    }

    private static long epoch(Map<Integer, HazelcastInstance> live, String id) {
        HazelcastInstance any = live.values().iterator().next();
        return BusMember.of(any).sessions().get(id).epoch();
    }

    /** Seeded source ids: lower-case letters and digits, as operators name databases. */
    static List<String> names(Random random, int count) {
        TreeSet<String> names = new TreeSet<>();
        while (names.size() < count) {
            StringBuilder name = new StringBuilder();
            int length = 2 + random.nextInt(10);
            for (int i = 0; i < length; i++) {
                name.append(random.nextInt(4) == 0 ? (char) ('0' + random.nextInt(10)) : (char) ('a' + random.nextInt(26)));
            }
            names.add(name.toString());
        }
        return new ArrayList<>(names);
    }
}
