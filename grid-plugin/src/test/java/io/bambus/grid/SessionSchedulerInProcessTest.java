package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.bambus.core.event.EventStream;
import io.bambus.grid.runner.SessionRunner;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.Producer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sessions run on a fixed number of session threads and shared source pools, whatever their number;
 * another member's loss restarts nothing here; an idle session costs at most one source query a second.
 */
class SessionSchedulerInProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    @Timeout(300)
    void manySessionsRunOnTwoThreadsAndOnePoolAndMoveEveryEventExactlyOnce() throws Exception {
        List<String> ids = names(24);
        try (BusEnvironment env = new BusEnvironment(ids, "sessions: { threads: 2 }\n");
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            List<Producer> producers = new ArrayList<>();
            for (String id : ids) {
                producers.add(new Producer(id, env.sources.get(id), 50));
            }
            HazelcastInstance member = cluster.start(0);
            BusMember bus = ClusterFixture.bus(member);
            Await.until("the member to run all " + ids.size() + " sessions", TIMEOUT,
                    () -> ClusterFixture.running(member).size() == ids.size(), () -> "" + ClusterFixture.running(member));
            Await.until("every session to commit", TIMEOUT, () -> ids.stream().allMatch(id -> env.applied(id) > 0));

            Set<String> threads = threadNames();
            assertEquals(2, threads.stream().filter(name -> name.startsWith("bambus-session-")).count(), "" + threads);
            // the member's threads (the test's own producers are named after their sources)
            Set<String> members = new TreeSet<>();
            threads.stream().filter(name -> name.startsWith("bambus-") || name.startsWith("hz.")).forEach(members::add);
            for (String id : ids) {
                assertTrue(members.stream().noneMatch(name -> name.contains(id)), "a thread of its own for " + id + ": " + members);
            }
            assertEquals(1, bus.sourcePools().openPools(), "the sources share one server and user: one pool");

            // sessions at work start no threads: each one's progress update (four a second here) once started one on a
            // machine with one or two processors (as the tests run: pom.xml), for the map call's future and its callback
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long threadsBefore = mx.getTotalStartedThreadCount();
            long appliedBefore = ids.stream().mapToLong(env::applied).sum();
            Thread.sleep(5_000); // a measurement window, not a wait for a state
            long threadsStarted = mx.getTotalStartedThreadCount() - threadsBefore;
            long appliedMeanwhile = ids.stream().mapToLong(env::applied).sum() - appliedBefore;
            System.out.printf("%d threads started in 5 s while %d sessions applied %d events%n", threadsStarted, ids.size(),
                    appliedMeanwhile);
            assertTrue(appliedMeanwhile >= ids.size(), "the sessions moved events in the window: " + appliedMeanwhile);
            assertTrue(threadsStarted < ids.size(), threadsStarted + " threads started in 5 s by " + ids.size() + " sessions");

            stopAndCheckExactlyOnce(env, ids, producers);
        }
    }

    /**
     * Eight sessions of one source server, each with a backlog, on four session threads (three of
     * them for one server): the sessions take turns, so none waits behind the others' backlogs. When
     * the first has moved its whole backlog, each of the others has moved at least half as many
     * events (or half of its own backlog, if smaller).
     */
    @Test
    @Timeout(300)
    void theSessionsOfABusyServerTakeTurns() throws Exception {
        List<String> ids = names(8);
        try (BusEnvironment env = new BusEnvironment(ids, "sessions: { threads: 4 }\nbatchSize: 20\n");
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            List<Producer> producers = new ArrayList<>();
            for (String id : ids) {
                producers.add(new Producer(id, env.sources.get(id), 0));
            }
            Await.until("a backlog of 1,000 events in every source", TIMEOUT,
                    () -> producers.stream().allMatch(producer -> producer.eventsWritten() >= 1_000));
            Map<String, Long> orders = new HashMap<>();
            Map<String, Long> events = new HashMap<>();
            for (int i = 0; i < ids.size(); i++) {
                orders.put(ids.get(i), producers.get(i).stop());
                events.put(ids.get(i), producers.get(i).eventsWritten());
            }
            cluster.start(0);
            // the producers ran until the slowest had written 1,000 events, so the backlogs differ (up to twice
            // and more): turns are compared in events moved, which equal turns make equal (batches of 20)
            Map<String, Long> moved = new TreeMap<>();
            String[] first = new String[1];
            Await.until("a session to move its whole backlog", TIMEOUT, () -> {
                for (String id : ids) {
                    moved.put(id, env.applied(id));
                    if (first[0] == null && moved.get(id) >= events.get(id)) {
                        first[0] = id;
                    }
                }
                return first[0] != null;
            });
            System.out.println("backlogs " + new TreeMap<>(events) + "; moved when " + first[0] + " was done: " + moved);
            long done = events.get(first[0]);
            for (Map.Entry<String, Long> share : moved.entrySet()) {
                assertTrue(share.getValue() >= Math.min(events.get(share.getKey()), done) / 2, share.getKey()
                        + " waited behind the others: moved " + share.getValue() + " events while " + first[0] + " moved its "
                        + done + ": " + moved);
            }
            for (String id : ids) {
                DeliveryCheck.assertExactlyOnce(env, id, orders.get(id), TIMEOUT);
            }
            for (Producer producer : producers) {
                producer.close();
            }
        }
    }

    @Test
    @Timeout(300)
    void anotherMembersLossRestartsNoSessionOnTheSurvivors() throws Exception {
        List<String> ids = names(6);
        try (BusEnvironment env = new BusEnvironment(ids, null);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            List<Producer> producers = new ArrayList<>();
            for (String id : ids) {
                producers.add(new Producer(id, env.sources.get(id), 20));
            }
            List<HazelcastInstance> members = List.of(cluster.start(0), cluster.start(1), cluster.start(2));
            // settled: two running on each, and no runner of an earlier move still stopping
            Await.until("each member to run two sessions", TIMEOUT,
                    () -> members.stream().allMatch(m -> ClusterFixture.running(m).size() == 2
                            && ClusterFixture.bus(m).runners().size() == 2),
                    () -> members.stream().map(m -> ClusterFixture.running(m).toString()).toList().toString());
            Map<String, Long> survivorsRan = new HashMap<>();
            for (HazelcastInstance survivor : members.subList(0, 2)) {
                for (SessionRunner runner : ClusterFixture.bus(survivor).runners()) {
                    survivorsRan.put(runner.sessionId(), runner.epoch());
                }
            }
            assertEquals(4, survivorsRan.size());

            members.get(2).getLifecycleService().terminate();
            Await.until("the survivors to run all six", TIMEOUT,
                    () -> ClusterFixture.running(members.get(0)).size() + ClusterFixture.running(members.get(1)).size() == 6);
            for (HazelcastInstance survivor : members.subList(0, 2)) {
                BusMember bus = ClusterFixture.bus(survivor);
                assertEquals(1, bus.scheduler().jobsSubmitted(), "the member's sessions job outlived the other member");
                Map<String, Long> now = new HashMap<>();
                bus.runners().forEach(runner -> now.put(runner.sessionId(), runner.epoch()));
                survivorsRan.forEach((session, epoch) -> {
                    if (now.containsKey(session)) {
                        assertEquals(epoch, now.get(session), "session " + session + " was restarted by another member's loss");
                    }
                });
            }
            assertEquals(4, survivorsRan.keySet().stream().filter(session -> members.subList(0, 2).stream()
                    .anyMatch(m -> ClusterFixture.running(m).contains(session))).count(), "the survivors kept their four");

            stopAndCheckExactlyOnce(env, ids, producers);
        }
    }

    @Test
    @Timeout(300)
    void anIdleSessionCostsAtMostOneSourceQueryASecond() throws Exception {
        List<String> ids = names(10);
        String user = "bt_idle_" + ProcessHandle.current().pid();
        String password = Long.toHexString(new Random().nextLong());
        try (BusEnvironment env = new BusEnvironment(ids, null)) {
            env.execute(env.destination, "CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "'");
            boolean userstatWasOn = env.query(env.destination, "SELECT @@GLOBAL.userstat") == 1;
            try {
                for (String id : ids) {
                    env.execute(env.destination, "GRANT SELECT, INSERT, UPDATE, DELETE ON `" + env.sourceDbs.get(id) + "`.* TO '" + user + "'@'%'");
                    order(env, id, id + "-1");
                }
                env.execute(env.destination, "SET GLOBAL userstat = 1");
                env.sourceUser(user, password, null);
                try (ClusterFixture cluster = new ClusterFixture(env.configFile)) {
                    cluster.start(0);
                    Await.until("every session to move its order", TIMEOUT, () -> ids.stream().allMatch(id -> env.applied(id) == Producer.EVENTS_PER_ORDER));
                    // the idle back-off doubles from pollIntervalMillis (20 here) to 2 s within 5 s: a measurement
                    // window starts after it, it does not wait for a state
                    Thread.sleep(5_000);
                    long before = sourceStatements(env, user);
                    long started = System.nanoTime();
                    Thread.sleep(10_000);
                    long statements = sourceStatements(env, user) - before;
                    double perSessionPerSecond = statements / ((System.nanoTime() - started) / 1e9) / ids.size();
                    System.out.printf("idle: %d source statements from %d sessions in 10 s: %.2f per session per second%n",
                            statements, ids.size(), perSessionPerSecond);
                    assertTrue(perSessionPerSecond <= 1.0, "an idle session ran " + perSessionPerSecond + " source statements/s");

                    // and an idle session still moves what comes, exactly once
                    String id = ids.get(0);
                    order(env, id, id + "-2");
                    DeliveryCheck.assertExactlyOnce(env, id, 2, TIMEOUT);
                }
            } finally {
                if (!userstatWasOn) {
                    env.execute(env.destination, "SET GLOBAL userstat = 0");
                }
                env.execute(env.destination, "DROP USER IF EXISTS '" + user + "'@'%'");
            }
        }
    }

    /** Stops every producer, then checks that each session applied every event its producer committed, once. */
    private static void stopAndCheckExactlyOnce(BusEnvironment env, List<String> ids, List<Producer> producers) throws Exception {
        long[] written = new long[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            written[i] = producers.get(i).stop();
        }
        for (int i = 0; i < ids.size(); i++) {
            DeliveryCheck.assertExactlyOnce(env, ids.get(i), written[i], TIMEOUT);
        }
        for (Producer producer : producers) {
            producer.close();
        }
    }

    /** One order, as the producers write them (DeliveryCheck's shape). */
    private static void order(BusEnvironment env, String sessionId, String orderId) throws SQLException {
        try (EventStream events = EventStream.on(env.sources.get(sessionId))) {
            events.beginActivity("Order", orderId).updateActivity("Order", orderId, "Customer", "customer of " + orderId, "Step", 1)
                    .updateActivity("Order", orderId, "Step", 2).endActivity("Order", orderId);
        }
    }

    /** Statements the server counted for {@code user} (MariaDB's user statistics). */
    private static long sourceStatements(BusEnvironment env, String user) throws SQLException {
        return env.query(env.destination, "SELECT COALESCE(SUM(SELECT_COMMANDS + UPDATE_COMMANDS + OTHER_COMMANDS), 0)"
                + " FROM information_schema.USER_STATISTICS WHERE USER = '" + user + "'");
    }

    /** Seeded-random source names, the seed printed. */
    private static List<String> names(int n) {
        long seed = System.nanoTime();
        System.out.println("SessionSchedulerInProcessTest seed " + seed);
        Random random = new Random(seed);
        Set<String> names = new TreeSet<>();
        while (names.size() < n) {
            StringBuilder name = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                name.append((char) ('a' + random.nextInt(26)));
            }
            names.add(name.toString());
        }
        return new ArrayList<>(names);
    }

    private static Set<String> threadNames() {
        Set<String> names = new HashSet<>();
        Thread.getAllStackTraces().keySet().forEach(thread -> names.add(thread.getName()));
        return names;
    }
}
