package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ChaosCheck;
import io.bambus.grid.testing.MemberProcesses;
import io.bambus.grid.testing.Producer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Chaos soak (a nemesis schedule): 3 member processes on their own loopback addresses
 * (127.0.0.11–13), 4 sources with producers writing throughout (with rollbacks and late commits),
 * and a random schedule that every few seconds does one of: kill -9 of a member (restarted 1–3 s
 * later), a graceful stop (restarted likewise), a partition of one member from the other two with
 * iptables (healed after 2–20 s), or a SIGSTOP of a member held for 6–12 s, longer than failure
 * detection (~4.5 s), then SIGCONT (a zombie that wakes up); each of the last two a quarter of the
 * draws, and the schedule opens with one of each. A partition or pause waits until all three
 * members run as one cluster (no kills meanwhile), and nothing else happens while it lasts. At the
 * end the cluster must be one again and the independent checker counts every event of every
 * source. Duration: -Dbambus.soak.seconds (CI: 120); -Dbambus.soak.seed replays the schedule's
 * random draws (what the cluster's state allows at each step may still differ).
 */
class ChaosSoakIT {

    private static final List<String> SOURCES = List.of("alpha", "beta", "gamma", "delta");
    private static final Duration SETTLE_DEADLINE = Duration.ofSeconds(90);

    private enum Nemesis { UP, DOWN, CUT, PAUSED }

    private static Future<?> done() {
        return CompletableFuture.completedFuture(null);
    }

    @Test
    void killingStoppingPartitioningAndPausingMembersLosesAndDuplicatesNothing() throws Exception {
        long seconds = Long.getLong("bambus.soak.seconds", 120);
        long seed = Long.getLong("bambus.soak.seed", System.nanoTime());
        Random random = new Random(seed);
        System.out.printf("SOAK %d s, seed %d%n", seconds, seed);
        try (BusEnvironment env = new BusEnvironment(SOURCES, "sessions: { backupCount: 2 }\n");
             MemberProcesses members = new MemberProcesses(env.configFile, 3).onOwnAddresses()) {
            for (int i = 0; i < 3; i++) {
                members.start(i);
            }
            List<Producer> producers = new ArrayList<>();
            for (String source : SOURCES) {
                producers.add(Producer.withRollbacksAndLateCommits(source, env.sources.get(source), 3));
            }
            int kills = 0;
            int stops = 0;
            int restarts = 0;
            int partitions = 0;
            int pauses = 0;
            // per member: what the nemesis did to it and until when (nanoTime), and a start in progress (or done)
            ExecutorService starter = Executors.newFixedThreadPool(3);
            List<Future<?>> starts = new ArrayList<>(List.of(done(), done(), done()));
            Nemesis[] state = {Nemesis.UP, Nemesis.UP, Nemesis.UP};
            long[] until = {0, 0, 0};
            Nemesis pending = null;
            // every run, however short, has at least one partition and one pause: the schedule opens with both
            List<Nemesis> opening = new ArrayList<>(List.of(Nemesis.CUT, Nemesis.PAUSED));
            Collections.shuffle(opening, random);
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            try {
                while (System.nanoTime() < end) {
                    long next = System.nanoTime() + (1_500 + random.nextInt(2_500)) * 1_000_000L;
                    for (int i = 0; i < 3; i++) {
                        if (state[i] != Nemesis.UP) {
                            next = Math.min(next, until[i]);
                        }
                    }
                    Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000)); // the schedule, not a wait for a state
                    long now = System.nanoTime();
                    for (int i = 0; i < 3; i++) {
                        if (state[i] == Nemesis.UP || now < until[i]) {
                            continue;
                        }
                        if (state[i] == Nemesis.DOWN) {
                            int member = i;
                            starts.set(i, starter.submit(() -> {
                                members.start(member);
                                return null;
                            }));
                            restarts++;
                        } else if (state[i] == Nemesis.CUT) {
                            members.heal();
                        } else {
                            members.resume(i);
                        }
                        state[i] = Nemesis.UP;
                    }
                    List<Integer> up = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        if (state[i] == Nemesis.UP && starts.get(i).isDone()) {
                            starts.get(i).get(); // a failed restart fails the soak
                            up.add(i);
                        }
                    }
                    boolean cutOrPaused = List.of(state).contains(Nemesis.CUT) || List.of(state).contains(Nemesis.PAUSED);
                    boolean oneCluster = up.size() == 3 && up.stream().allMatch(i -> members.clusterSize(i) == 3);
                    int draw = random.nextInt(20);
                    int victim = up.isEmpty() ? -1 : up.get(random.nextInt(up.size()));
                    long hold = random.nextLong();
                    if (cutOrPaused || up.size() < 2) {
                        continue;
                    }
                    // a drawn partition or pause waits (no kills meanwhile) until the three members are one cluster
                    Nemesis action = pending != null ? pending : !opening.isEmpty() ? opening.remove(0)
                            : draw < 5 ? Nemesis.CUT : draw < 10 ? Nemesis.PAUSED : Nemesis.DOWN;
                    if (action != Nemesis.DOWN && !oneCluster) {
                        pending = action;
                        continue;
                    }
                    pending = null;
                    if (action == Nemesis.CUT) {
                        members.cut(victim);
                        until[victim] = System.nanoTime() + (2_000 + Math.floorMod(hold, 18_001)) * 1_000_000L;
                        partitions++;
                    } else if (action == Nemesis.PAUSED) {
                        members.pause(victim);
                        until[victim] = System.nanoTime() + (6_000 + Math.floorMod(hold, 6_001)) * 1_000_000L;
                        pauses++;
                    } else {
                        if (draw % 4 == 0) {
                            members.stop(victim);
                            stops++;
                        } else {
                            members.kill(victim);
                            kills++;
                        }
                        until[victim] = System.nanoTime() + (1_000 + Math.floorMod(hold, 2_001)) * 1_000_000L;
                    }
                    state[victim] = action;
                }
                members.heal();
                for (int i = 0; i < 3; i++) {
                    if (state[i] == Nemesis.PAUSED) {
                        members.resume(i);
                    } else if (state[i] == Nemesis.DOWN) {
                        int member = i;
                        starts.set(i, starter.submit(() -> {
                            members.start(member);
                            return null;
                        }));
                        restarts++;
                    }
                    state[i] = Nemesis.UP;
                }
                for (Future<?> start : starts) {
                    start.get(120, TimeUnit.SECONDS);
                }
            } finally {
                for (Producer producer : producers) {
                    producer.stop();
                }
                starter.shutdownNow();
            }
            System.out.printf("SOAK nemesis: %d kill -9, %d graceful stops, %d restarts, %d partitions (2-20 s),"
                    + " %d pauses (SIGSTOP 6-12 s) in %d s%n", kills, stops, restarts, partitions, pauses, seconds);
            long settling = System.nanoTime();
            boolean oneCluster = false;
            while (!oneCluster && System.nanoTime() - settling < SETTLE_DEADLINE.toNanos()) {
                oneCluster = members.clusterSize(0) == 3 && members.clusterSize(1) == 3 && members.clusterSize(2) == 3;
                Thread.sleep(50); // polling
            }
            System.out.printf("SOAK cluster: %s%n", oneCluster
                    ? String.format("one cluster of 3 again %.1f s after the schedule ended", (System.nanoTime() - settling) / 1e9)
                    : "NOT one cluster " + SETTLE_DEADLINE.toSeconds() + " s after the schedule ended (sizes as logged "
                    + members.clusterSize(0) + "/" + members.clusterSize(1) + "/" + members.clusterSize(2) + ")");
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            for (Producer producer : producers) {
                if (!ChaosCheck.awaitCaughtUp(env, producer, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                    System.out.printf("SOAK %s not caught up 120 s after the schedule ended%n", producer.sourceId());
                }
            }
            boolean clean = ChaosCheck.checkAll(env, producers, "SOAK").stream().allMatch(ChaosCheck.Result::clean);
            assertTrue(clean, "the soak found events applied twice, lost or failed, or orders in a wrong state (seed " + seed + ")");
            assertTrue(oneCluster, "the members were not one cluster again after the schedule (seed " + seed + ")");
        }
    }
}
