package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.apply.FailedEvents;
import io.bambus.core.event.EventStream;
import io.bambus.grid.ops.BusOperations;
import io.bambus.grid.session.SessionCommand;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.session.SessionState;
import io.bambus.grid.timeline.TimelineEntry;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.Producer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class OperationsInProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    @Timeout(150)
    void pauseStopsASessionWithoutLossResumeContinuesAndEveryChangeIsOnTheTimeline() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("a", "b"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer producer = new Producer("a", env.sources.get("a"), 2)) {
            HazelcastInstance member = cluster.start(0);
            BusOperations ops = new BusOperations(member, "eventbus.sessions");
            Await.until("both sessions to run", TIMEOUT, () -> ClusterFixture.running(member).equals(Set.of("a", "b")));
            Await.until("events to flow", TIMEOUT, () -> env.applied("a") > 0);

            SessionRecord paused = ops.command("a", SessionCommand.PAUSE, "tester");
            assertEquals(SessionState.PAUSED, paused.state());
            Await.until("session a's runner to end", TIMEOUT,
                    () -> BusMember.of(member).runners().stream().noneMatch(r -> r.sessionId().equals("a")));
            long appliedWhilePaused = env.applied("a");
            long ordersAtPause = producer.orders();
            Await.until("the producer to write 100 more orders", TIMEOUT, () -> producer.orders() > ordersAtPause + 100);
            assertEquals(appliedWhilePaused, env.applied("a"), "no runner, no events moved while paused");
            assertTrue(ClusterFixture.running(member).contains("b"), "pausing one session leaves the other running");

            BusOperations.CommandRefusedException refused = assertThrows(BusOperations.CommandRefusedException.class,
                    () -> ops.command("a", SessionCommand.ENABLE, "tester"));
            assertTrue(refused.getMessage().contains("is PAUSED"), refused.getMessage());
            assertThrows(BusOperations.CommandRefusedException.class, () -> ops.command("nope", SessionCommand.PAUSE, "tester"));

            ops.command("a", SessionCommand.RESUME, "tester");
            Await.until("session a to run again", TIMEOUT, () -> ClusterFixture.running(member).contains("a"));
            DeliveryCheck.assertExactlyOnce(env, "a", producer.stop(), TIMEOUT);
            Await.until("the lag of session a to be published as 0", TIMEOUT, () -> {
                SessionRecord record = ops.sessionsMap().get("a");
                return record.lagEvents() == 0 && record.commitTimes().total() > 0;
            });

            ops.command("b", SessionCommand.DISABLE, "tester");
            Await.until("session b to stop", TIMEOUT, () -> !ClusterFixture.running(member).contains("b"));
            ops.command("b", SessionCommand.ENABLE, "tester");
            Await.until("session b to run again", TIMEOUT, () -> ClusterFixture.running(member).contains("b"));

            Await.until("the timeline to tell the story", TIMEOUT, () -> {
                List<TimelineEntry> entries = ops.timeline(0, 1000).entries();
                return has(entries, TimelineEntry.Kind.MEMBER_JOINED, null, null)
                        && has(entries, TimelineEntry.Kind.OPERATOR, "a", "pause: RUNNING → PAUSED")
                        && has(entries, TimelineEntry.Kind.SESSION_STOPPED, "a", "its state is PAUSED")
                        && has(entries, TimelineEntry.Kind.OPERATOR, "a", "resume: PAUSED → RUNNING")
                        && entries.stream().filter(e -> e.kind() == TimelineEntry.Kind.SESSION_STARTED
                        && "a".equals(e.session())).count() == 2
                        && has(entries, TimelineEntry.Kind.OPERATOR, "b", "enable: DISABLED → RUNNING");
            });
            assertTrue(ops.timeline(0, 1000).entries().stream().filter(e -> e.kind() == TimelineEntry.Kind.OPERATOR)
                    .allMatch(e -> e.actor().equals("tester")));
            // the status is published every 2 s: wait for the one after the enable
            Await.until("the member to publish that it runs both sessions", TIMEOUT, () -> {
                var status = ops.members().get(0).status();
                return status != null && status.sessionsRunning() == 2 && status.heapUsedBytes() > 0;
            });
        }
    }

    @Test
    @Timeout(120)
    void aFailedEventIsRetriedThroughTheClusterOnceItsActivityIsDeployed() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("b"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            HazelcastInstance member = cluster.start(0);
            BusOperations ops = new BusOperations(member, "eventbus.sessions");
            Await.until("the session to run", TIMEOUT, () -> ClusterFixture.running(member).equals(Set.of("b")));
            try (EventStream events = EventStream.on(env.sources.get("b"))) {
                events.beginActivity("Invoice", "inv-1");
                events.updateActivity("Invoice", "inv-1", Map.of("Total", 7));
            }
            FailedEvents.Filter invoices = new FailedEvents.Filter("b", "Invoice", null, List.of());
            Await.until("both events to be quarantined", TIMEOUT,
                    () -> env.count(env.destination, "SELECT COUNT(*) FROM bam_failed_events") == 2);
            List<FailedEvents.Retry> early = ops.retryFailed(invoices, "tester");
            assertEquals(2, early.size());
            assertFalse(early.get(0).applied());
            assertThrows(BusOperations.CommandRefusedException.class, () -> ops.retryFailed(FailedEvents.Filter.all(), "tester"));

            new ActivityDeployer(env.destination).deploy(DefinitionFile.parse("defs.yaml", BusEnvironment.DEFINITIONS
                    + "  - name: Invoice\n    items:\n      - { name: Total, type: integer }\n"));
            List<FailedEvents.Retry> retried = ops.retryFailed(invoices, "tester");
            assertTrue(retried.stream().allMatch(FailedEvents.Retry::applied), retried.toString());
            assertEquals(7, env.query(env.destination, "SELECT Total FROM bam_Invoice_active WHERE ActivityID = 'inv-1'"));
            assertEquals(0, env.query(env.destination, "SELECT COUNT(*) FROM bam_failed_events"));
        }
    }


    private static boolean has(List<TimelineEntry> entries, TimelineEntry.Kind kind, String session, String detail) {
        return entries.stream().anyMatch(e -> e.kind() == kind && (session == null || session.equals(e.session()))
                && (detail == null || e.detail().contains(detail)));
    }
}
