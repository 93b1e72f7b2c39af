package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.session.SessionState;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.Producer;
import io.bambus.grid.testing.TcpProxy;
import java.time.Duration;
import java.util.List;
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
}
