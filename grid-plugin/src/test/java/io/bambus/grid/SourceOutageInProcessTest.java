package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.bambus.grid.ops.BusOperations;
import io.bambus.grid.session.SessionCommand;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.session.SessionState;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.Producer;
import io.bambus.grid.testing.TcpProxy;
import io.bambus.grid.timeline.TimelineEntry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SourceOutageInProcessTest {

    @Test
    @Timeout(120)
    void unreachableSourceDoesNotStopTheOtherSessionAndRecoversByItself() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("healthy", "remote"), null);
             TcpProxy link = new TcpProxy(env.serverPort())) {
            env.route("remote", link.port(), null);
            try (ClusterFixture cluster = new ClusterFixture(env.configFile);
                 Producer healthy = new Producer("healthy", env.sources.get("healthy"), 2);
                 Producer remote = new Producer("remote", env.sources.get("remote"), 2)) {
                Duration timeout = Duration.ofSeconds(60);
                HazelcastInstance member = cluster.start(0);
                IMap<String, SessionRecord> sessions = BusMember.of(member).sessions();
                Await.until("both sessions to run", timeout,
                        () -> ClusterFixture.running(member).equals(Set.of("healthy", "remote")));
                Await.until("events to flow", timeout, () -> env.applied("healthy") > 0 && env.applied("remote") > 0);

                link.down();
                Await.until("the remote session to show FAILING with the error", timeout,
                        () -> sessions.get("remote").state() == SessionState.FAILING);
                assertNotNull(sessions.get("remote").lastError());
                long remoteStalled = env.applied("remote");
                long healthyBefore = env.applied("healthy");
                // the failing session retries with back-off (each failure updates its record) ...
                Set<Long> failures = new java.util.HashSet<>();
                Await.until("three retries of the remote session", timeout, () -> {
                    SessionRecord record = sessions.get("remote");
                    if (record.state() == SessionState.FAILING) {
                        failures.add(record.updatedMillis());
                    }
                    return failures.size() >= 3;
                });
                // ... while the other session keeps moving
                Await.until("the healthy session to keep committing during the outage", timeout,
                        () -> env.applied("healthy") > healthyBefore + 1_000);
                assertEquals(remoteStalled, env.applied("remote"), "nothing moves from an unreachable source");
                assertEquals(SessionState.RUNNING, sessions.get("healthy").state());

                link.up();
                Await.until("the remote session to recover by itself", timeout,
                        () -> sessions.get("remote").state() == SessionState.RUNNING && env.applied("remote") > remoteStalled,
                        () -> "" + sessions.get("remote"));

                DeliveryCheck.assertExactlyOnce(env, "healthy", healthy.stop(), timeout);
                DeliveryCheck.assertExactlyOnce(env, "remote", remote.stop(), timeout);
            }
        }
    }

    /**
     * A destination that refuses every batch (its activity table renamed away) but not the claim:
     * the session's retries back off (250 ms doubling up to maxBackoffMillis, 1 s here) instead of
     * starting again at 250 ms after each claim that works; and it moves everything once the table
     * is back.
     */
    @Test
    @Timeout(180)
    void aSessionWhoseBatchesFailButClaimsWorkBacksOff() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("shop"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer producer = new Producer("shop", env.sources.get("shop"), 5)) {
            Duration timeout = Duration.ofSeconds(60);
            HazelcastInstance member = cluster.start(0);
            IMap<String, SessionRecord> sessions = BusMember.of(member).sessions();
            Await.until("events to flow", timeout, () -> env.applied("shop") > 0);
            String active;
            try (java.sql.Connection connection = env.destination.getConnection();
                 java.sql.ResultSet tables = connection.getMetaData().getTables(env.destinationDb, null, "%", null)) {
                List<String> names = new java.util.ArrayList<>();
                while (tables.next()) {
                    names.add(tables.getString("TABLE_NAME"));
                }
                active = names.stream().filter(name -> name.toLowerCase().contains("order") && name.toLowerCase().contains("active"))
                        .findFirst().orElseThrow(() -> new AssertionError("no active table for Order in " + names));
            }
            env.execute(env.destination, "RENAME TABLE `" + active + "` TO `" + active + "_away`");
            Await.until("the session to show FAILING", timeout, () -> sessions.get("shop").state() == SessionState.FAILING);
            // a measurement window, not a wait for a state: the failures recorded in it
            Set<Long> failures = new java.util.TreeSet<>();
            long end = System.nanoTime() + 6_000_000_000L;
            while (System.nanoTime() < end) {
                SessionRecord record = sessions.get("shop");
                if (record.state() == SessionState.FAILING) {
                    failures.add(record.updatedMillis());
                }
                Thread.sleep(20);
            }
            System.out.println("failures recorded in 6 s: " + failures.size() + " " + failures);
            // backing off: 250, 500, then 1,000 ms apart (about 8 in 6 s); without back-off, one every 250 ms (24)
            assertTrue(failures.size() <= 12, "no back-off: " + failures.size() + " failures in 6 s " + failures);
            env.execute(env.destination, "RENAME TABLE `" + active + "_away` TO `" + active + "`");
            Await.until("the session to recover by itself", timeout,
                    () -> sessions.get("shop").state() == SessionState.RUNNING, () -> "" + sessions.get("shop"));
            DeliveryCheck.assertExactlyOnce(env, "shop", producer.stop(), timeout);
        }
    }

    /**
     * Five sessions on a source server that hangs (bytes stop, connections stay open: each of their
     * statements blocks for the socket timeout) and two on a healthy server, on four session threads:
     * the hung server's sessions hold at most three, and the healthy ones keep committing.
     */
    @Test
    @Timeout(180)
    void aHungSourceServerHoldsAtMostItsShareOfTheSessionThreads() throws Exception {
        List<String> hung = List.of("tenant1", "tenant2", "tenant3", "tenant4", "tenant5");
        List<String> healthy = List.of("shop", "billing");
        List<String> all = new java.util.ArrayList<>(hung);
        all.addAll(healthy);
        try (BusEnvironment env = new BusEnvironment(all, null);
             TcpProxy server = new TcpProxy(env.serverPort())) {
            for (String id : hung) {
                env.route(id, server.port(), "sessions: { threads: 4 }\n");
            }
            java.util.Map<String, Producer> producers = new java.util.LinkedHashMap<>();
            try (ClusterFixture cluster = new ClusterFixture(env.configFile)) {
                for (String id : all) {
                    producers.put(id, new Producer(id, env.sources.get(id), 5));
                }
                Duration timeout = Duration.ofSeconds(60);
                HazelcastInstance member = cluster.start(0);
                Await.until("every session to commit", timeout, () -> all.stream().allMatch(id -> env.applied(id) > 0));

                long atHang = hung.stream().mapToLong(env::applied).sum();
                long hangMillis = System.currentTimeMillis();
                server.hang();
                // every hung session's next statement blocks at once (they poll every 20 ms): from here on
                // the healthy ones must go on committing, again and again
                for (int round = 0; round < 3; round++) {
                    for (String id : healthy) {
                        long before = env.applied(id);
                        Await.until(id + " to commit while the other server hangs (round " + round + ")", Duration.ofSeconds(15),
                                () -> env.applied(id) > before + 20);
                    }
                }
                // a batch read before the hang may still be applied (the destination is not behind the proxy); its
                // acknowledgement then hangs: at most one batch (500) for each of the three sessions in flight
                long movedWhileHung = hung.stream().mapToLong(env::applied).sum() - atHang;
                assertTrue(movedWhileHung <= 3 * 500, "moved from a hung server: " + movedWhileHung + " events");

                // an operator pauses the hung server's sessions, one at a time: the three blocked in a statement
                // stop when it times out (60 s), the two waiting in the server's line stop at once; the stop of
                // one in line is a step beyond the server's share, and must not hand a place on to the other
                // (whose next statement would hang on the last free thread): the healthy ones go on committing
                BusOperations ops = new BusOperations(member, "eventbus.sessions");
                for (String id : hung) {
                    ops.command(id, SessionCommand.PAUSE, "tester");
                    Await.until(id + "'s pause to reach its runner", Duration.ofSeconds(15), () -> BusMember.of(member).runners()
                            .stream().noneMatch(r -> r.sessionId().equals(id) && !r.stopping()));
                    for (String other : healthy) {
                        long before = env.applied(other);
                        Await.until(other + " to commit after " + id + " was paused", Duration.ofSeconds(15),
                                () -> env.applied(other) > before + 20);
                    }
                }
                Await.until("the hung server's sessions waiting for a thread to stop", Duration.ofSeconds(15), () ->
                        BusMember.of(member).runners().stream().filter(r -> hung.contains(r.sessionId()) && r.ended()).count()
                                + hung.stream().filter(id -> BusMember.of(member).runners().stream()
                                        .noneMatch(r -> r.sessionId().equals(id))).count() >= 2,
                        () -> BusMember.of(member).runners().stream().filter(r -> hung.contains(r.sessionId()))
                                .map(r -> r.sessionId() + (r.ended() ? " ended" : r.stopping() ? " stopping" : " running")).toList()
                                .toString());
                // a step beyond the share would have waited for a new connection to the hung server and failed
                List<String> failing = ops.timeline(0, 10_000).entries().stream()
                        .filter(entry -> entry.millis() >= hangMillis && entry.kind() == TimelineEntry.Kind.SESSION_FAILING
                                && hung.contains(entry.session()))
                        .map(entry -> entry.session() + ": " + entry.detail()).toList();
                assertEquals(List.of(), failing, "a hung server's session ran a step beyond the server's share");
                for (String id : hung) {
                    ops.command(id, SessionCommand.RESUME, "tester");
                }

                server.release();
                Map<String, Long> written = new java.util.LinkedHashMap<>();
                for (Map.Entry<String, Producer> entry : producers.entrySet()) {
                    written.put(entry.getKey(), entry.getValue().stop());
                }
                for (Map.Entry<String, Long> entry : written.entrySet()) {
                    DeliveryCheck.assertExactlyOnce(env, entry.getKey(), entry.getValue(), timeout);
                }
            } finally {
                for (Producer producer : producers.values()) {
                    producer.close();
                }
            }
        }
    }
}
