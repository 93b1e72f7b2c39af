package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ChaosCheck;
import io.bambus.grid.testing.MemberProcesses;
import io.bambus.grid.testing.Producer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Chaos soak: 3 member processes, 4 sources with producers writing throughout (with rollbacks and
 * late commits), and a schedule that kills (kill -9, sometimes a graceful stop) and restarts a
 * random member every few seconds. At the end the independent checker compares every committed
 * source event with the destination. Duration: -Dbambus.soak.seconds (CI: 120).
 */
class ChaosSoakIT {

    private static final List<String> SOURCES = List.of("alpha", "beta", "gamma", "delta");

    private static Future<?> done() {
        return CompletableFuture.completedFuture(null);
    }

    @Test
    void killingAndRestartingMembersLosesDuplicatesAndReordersNothing() throws Exception {
        long seconds = Long.getLong("bambus.soak.seconds", 120);
        long seed = Long.getLong("bambus.soak.seed", System.nanoTime());
        Random random = new Random(seed);
        System.out.printf("SOAK %d s, seed %d%n", seconds, seed);
        try (BusEnvironment env = new BusEnvironment(SOURCES, "sessions: { backupCount: 2 }\n");
             MemberProcesses members = new MemberProcesses(env.configFile, 3)) {
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
            // per member: a start in progress (or done), and whether it was taken down since
            ExecutorService starter = Executors.newFixedThreadPool(3);
            List<Future<?>> starts = new ArrayList<>(List.of(done(), done(), done()));
            long[] downSince = {0, 0, 0};
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            try {
                while (System.nanoTime() < end) {
                    Thread.sleep(1_500 + random.nextInt(2_500)); // the chaos schedule, not a wait for a state
                    long now = System.nanoTime();
                    for (int i = 0; i < 3; i++) {
                        if (downSince[i] != 0 && now - downSince[i] > 1_000_000_000L + random.nextInt(2_000) * 1_000_000L) {
                            int member = i;
                            downSince[i] = 0;
                            starts.set(i, starter.submit(() -> {
                                members.start(member);
                                return null;
                            }));
                            restarts++;
                        }
                    }
                    List<Integer> up = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        if (downSince[i] == 0 && starts.get(i).isDone()) {
                            starts.get(i).get(); // a failed restart fails the soak
                            up.add(i);
                        }
                    }
                    if (up.size() >= 2) {
                        int victim = up.get(random.nextInt(up.size()));
                        if (random.nextInt(4) == 0) {
                            members.stop(victim);
                            stops++;
                        } else {
                            members.kill(victim);
                            kills++;
                        }
                        downSince[victim] = System.nanoTime();
                    }
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
            for (Producer producer : producers) {
                long events = producer.committed().size() * (long) Producer.EVENTS_PER_ORDER;
                Await.until(producer.sourceId() + " to catch up", Duration.ofSeconds(120),
                        () -> env.applied(producer.sourceId()) >= events,
                        () -> "(applied " + env.applied(producer.sourceId()) + " of " + events + ")");
            }
            System.out.printf("SOAK chaos: %d kill -9, %d graceful stops, %d restarts in %d s%n", kills, stops, restarts, seconds);
            boolean clean = true;
            for (Producer producer : producers) {
                ChaosCheck.Result result = ChaosCheck.check(env, producer);
                System.out.println("SOAK " + result);
                clean &= result.clean();
            }
            assertTrue(clean, "the soak found lost, duplicated or reordered events (seed " + seed + ")");
        }
    }
}
