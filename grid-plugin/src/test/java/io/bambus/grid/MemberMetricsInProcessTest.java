package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.bambus.core.config.ConfigException;
import io.bambus.core.event.EventStream;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.MetricsScrape;
import io.bambus.grid.testing.Producer;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The figures of a session reach, on the member that runs it, Hazelcast's metrics (read here through
 * JMX, as an operator's JConsole or Management Center's agent reads them) and the member's
 * Prometheus endpoint; they are the destination's own counts.
 */
class MemberMetricsInProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String METRICS = "metrics: { port: 0 }\n";
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    @Test
    @Timeout(240)
    void eachMemberPublishesTheSessionsItRunsToJmxAndItsPrometheusEndpoint() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("shop", "crm"), METRICS);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            HazelcastInstance first = cluster.start(0);
            HazelcastInstance second = cluster.start(1);
            List<HazelcastInstance> members = List.of(first, second);
            Await.until("each member to run one session", TIMEOUT,
                    () -> ClusterFixture.running(first).size() == 1 && ClusterFixture.running(second).size() == 1,
                    () -> ClusterFixture.running(first) + " / " + ClusterFixture.running(second));
            try (Producer shop = new Producer("shop", env.sources.get("shop"), 2);
                 Producer crm = new Producer("crm", env.sources.get("crm"), 2)) {
                Await.until("both sessions to move events", TIMEOUT, () -> env.applied("shop") > 200 && env.applied("crm") > 200);
                DeliveryCheck.assertExactlyOnce(env, "shop", shop.stop(), TIMEOUT);
                DeliveryCheck.assertExactlyOnce(env, "crm", crm.stop(), TIMEOUT);
            }

            for (String session : List.of("shop", "crm")) {
                HazelcastInstance runs = members.stream().filter(m -> ClusterFixture.running(m).contains(session)).findFirst()
                        .orElseThrow();
                HazelcastInstance other = runs == first ? second : first;
                long applied = env.applied(session);
                long epoch = BusMember.of(runs).sessions().get(session).epoch();

                ObjectName bean = sessionBean(runs, session);
                Await.until("JMX on " + runs.getName() + " to show the " + applied + " events " + session + " moved and none waiting",
                        TIMEOUT, () -> attribute(bean, "eventsMoved") == applied && attribute(bean, "lagEvents") == 0,
                        () -> "(JMX: eventsMoved " + attribute(bean, "eventsMoved") + ", lagEvents " + attribute(bean, "lagEvents") + ")");
                assertEquals(0, attribute(bean, "eventsFailed"));
                assertEquals(epoch, attribute(bean, "epoch"));
                long commits = attribute(bean, "batchCommits");
                assertTrue(commits > 0, "batches committed: " + commits);
                assertTrue(attribute(bean, "batchCommitsWithin10000ms") <= commits);
                assertTrue(attribute(bean, "batchCommitsWithin5ms") <= attribute(bean, "batchCommitsWithin10ms"), "cumulative buckets");
                assertFalse(JMX.isRegistered(sessionBean(other, session)), "only the member that runs " + session + " publishes it");

                InetSocketAddress endpoint = BusMember.of(runs).metricsAddress();
                assertNotNull(endpoint, "the member's Prometheus endpoint");
                Await.until("the endpoint of " + runs.getName() + " to show no event of " + session + " waiting", TIMEOUT,
                        () -> MetricsScrape.of(endpoint).value("bambus_session_lag_events", "session", session) == 0);
                MetricsScrape scrape = MetricsScrape.of(endpoint);
                String member = "127.0.0.1:" + runs.getCluster().getLocalMember().getAddress().getPort();
                assertEquals(applied, scrape.value("bambus_session_events_moved_total", "session", session, "member", member), scrape.toString());
                assertEquals(0, scrape.value("bambus_session_events_failed_total", "session", session));
                assertEquals(epoch, scrape.value("bambus_session_epoch", "session", session));
                double count = scrape.value("bambus_session_batch_commit_seconds_count", "session", session);
                assertTrue(count > 0, scrape.toString());
                assertEquals(count, scrape.value("bambus_session_batch_commit_seconds_bucket", "session", session, "le", "+Inf"));
                assertTrue(scrape.value("bambus_session_batch_commit_seconds_sum", "session", session) > 0);
                assertEquals(1, scrape.value("bambus_member_sessions", "member", member));
                assertFalse(MetricsScrape.of(BusMember.of(other).metricsAddress()).mentions("session", session),
                        "only the member that runs " + session + " serves it");
            }

            // each committed event was counted by the one member whose runner committed it
            Await.until("the members' own counts to add up to what the destination holds", TIMEOUT,
                    () -> memberFigure(first, "eventsMoved") + memberFigure(second, "eventsMoved") == env.applied("shop") + env.applied("crm"));
            double total = 0;
            for (HazelcastInstance member : members) {
                MetricsScrape scrape = MetricsScrape.of(BusMember.of(member).metricsAddress());
                total += scrape.value("bambus_member_events_moved_total");
                assertEquals(1, scrape.value("bambus_member_sessions_assigned"), scrape.toString());
                assertEquals(1, memberFigure(member, "sessionsRunning"));
                assertEquals(0, memberFigure(member, "lagEvents"));
            }
            assertEquals(env.applied("shop") + env.applied("crm"), total);
        }
    }

    @Test
    @Timeout(180)
    void lagGapWaitAndFailedEventsShowWhileAnOpenTransactionHoldsASeq() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("held"), METRICS + "gapWaitMillis: 600000\n");
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            HazelcastInstance member = cluster.start(0);
            Await.until("the session to run", TIMEOUT, () -> ClusterFixture.running(member).equals(Set.of("held")));
            ObjectName bean = sessionBean(member, "held");
            InetSocketAddress endpoint = BusMember.of(member).metricsAddress();

            try (Connection open = env.sources.get("held").getConnection(); Connection app = env.sources.get("held").getConnection()) {
                open.setAutoCommit(false);
                app.setAutoCommit(false);
                try (EventStream events = EventStream.on(open)) {
                    events.beginActivity("Order", "first");  // takes the lower seq and stays open
                }
                try (EventStream events = EventStream.on(app)) {
                    events.beginActivity("Order", "second").updateActivity("Order", "second", "Step", 1, "Placed", Instant.now())
                            .endActivity("Order", "second");
                }
                app.commit();
                Await.until("JMX and the endpoint to show 3 events waiting behind the held seq", TIMEOUT,
                        () -> attribute(bean, "lagEvents") == 3 && attribute(bean, "gapWait") > 0
                                && MetricsScrape.of(endpoint).value("bambus_session_lag_events", "session", "held") == 3
                                && MetricsScrape.of(endpoint).value("bambus_session_gap_wait_seconds", "session", "held") > 0
                                && MetricsScrape.of(endpoint).value("bambus_session_oldest_waiting_seconds", "session", "held") > 0,
                        () -> "(JMX lagEvents " + attribute(bean, "lagEvents") + ", gapWait " + attribute(bean, "gapWait") + ")");
                assertEquals(3, memberFigure(member, "lagEvents"));
                assertEquals(0, attribute(bean, "eventsMoved"), "nothing moves past the held seq");

                open.commit();
                try (EventStream events = EventStream.on(app)) {
                    events.beginActivity("NoSuchActivity", "poison");  // quarantined: unknown activity
                }
                app.commit();
            }
            Await.until("the 4 events applied and the poison one quarantined", TIMEOUT,
                    () -> env.applied("held") == 4 && attribute(bean, "eventsMoved") == 4 && attribute(bean, "eventsFailed") == 1
                            && attribute(bean, "lagEvents") == 0 && attribute(bean, "gapWait") == 0,
                    () -> "(applied " + env.applied("held") + ", JMX eventsMoved " + attribute(bean, "eventsMoved") + ", eventsFailed "
                            + attribute(bean, "eventsFailed") + ", lagEvents " + attribute(bean, "lagEvents") + ")");
            Await.until("the endpoint to show the same", TIMEOUT, () -> {
                MetricsScrape scrape = MetricsScrape.of(endpoint);
                return scrape.value("bambus_session_events_moved_total", "session", "held") == 4
                        && scrape.value("bambus_session_events_failed_total", "session", "held") == 1
                        && scrape.value("bambus_session_lag_events", "session", "held") == 0
                        && scrape.value("bambus_session_gap_wait_seconds", "session", "held") == 0;
            }, () -> MetricsScrape.of(endpoint).toString());
        }
    }

    @Test
    @Timeout(120)
    void theEndpointStopsWithTheMemberAndIsOffUnlessConfigured() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("one"), METRICS);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            HazelcastInstance member = cluster.start(0);
            InetSocketAddress endpoint = BusMember.of(member).metricsAddress();
            assertNotNull(endpoint);
            assertTrue(canConnect(endpoint));
            member.shutdown();
            assertFalse(canConnect(endpoint), "the endpoint closes with the member");
            assertTrue(Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.isAlive() && t.getName().startsWith("bambus-metrics-http")), "its thread ended");
        }
        try (BusEnvironment env = new BusEnvironment(List.of("one"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            assertNull(BusMember.of(cluster.start(0)).metricsAddress(), "no endpoint without metrics.port");
        }
    }

    @Test
    @Timeout(120)
    void aTakenPortIsLoggedAndTheMemberRunsItsSessionsWithoutTheEndpoint() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
             BusEnvironment env = new BusEnvironment(List.of("one"), "metrics: { port: " + taken.getLocalPort() + " }\n");
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer producer = new Producer("one", env.sources.get("one"), 2)) {
            HazelcastInstance member = cluster.start(0);
            assertNull(BusMember.of(member).metricsAddress(), "no endpoint on a port another process holds");
            Await.until("the session to run", TIMEOUT, () -> ClusterFixture.running(member).equals(Set.of("one")));
            DeliveryCheck.assertExactlyOnce(env, "one", producer.stop(), TIMEOUT);
            ObjectName bean = sessionBean(member, "one");
            Await.until("JMX to show the session's figures all the same", TIMEOUT,
                    () -> attribute(bean, "eventsMoved") == env.applied("one"));
        }
    }

    @Test
    @Timeout(120)
    void aBadMetricsPortPropertyStopsTheMemberWithTheProblemNamed() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("one"), METRICS);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            System.setProperty(BusPlugin.METRICS_PORT_PROPERTY, "99999");
            try {
                Throwable failure = assertThrows(Throwable.class, () -> cluster.start(0));
                Throwable cause = failure;
                while (!(cause instanceof ConfigException) && cause.getCause() != null) {
                    cause = cause.getCause();
                }
                assertTrue(cause.getMessage().contains("bambus.metrics.port: '99999' is not a port; give a whole number from 0 to"
                        + " 65535"), String.valueOf(cause.getMessage()));
            } finally {
                System.clearProperty(BusPlugin.METRICS_PORT_PROPERTY);
            }
        }
    }

    /** The JMX name Hazelcast gives the metrics of {@code session} on {@code member}. */
    private static ObjectName sessionBean(HazelcastInstance member, String session) throws JMException {
        return new ObjectName("com.hazelcast.bambus:type=Metrics,instance=" + member.getName() + ",prefix=bambus.session,tag0="
                + ObjectName.quote("session=" + session));
    }

    /** A metric of {@code bean}, or -1 while Hazelcast has not published it (it does every 5 s). */
    private static long attribute(ObjectName bean, String name) {
        try {
            return ((Number) JMX.getAttribute(bean, name)).longValue();
        } catch (JMException e) {
            return -1;
        }
    }

    private static long memberFigure(HazelcastInstance member, String name) {
        try {
            return attribute(new ObjectName("com.hazelcast.bambus:type=Metrics,instance=" + member.getName()
                    + ",prefix=bambus.member"), name);
        } catch (JMException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean canConnect(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, 2_000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
