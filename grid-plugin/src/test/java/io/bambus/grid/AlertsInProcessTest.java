package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.bambus.core.alert.WebhookNotifier;
import io.bambus.core.event.EventStream;
import io.bambus.core.testing.WebhookReceiver;
import io.bambus.grid.alert.AlertSchedule;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Stalled-activity alerts on a real two-member cluster with a real HTTP receiver: orders written
 * through the outbox, some resolving in time and some not; the receiver refuses its first three
 * calls; the member that evaluates is stopped halfway. Every webhook call is counted per rule and
 * instance.
 */
class AlertsInProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int FAILED_CALLS = 3;
    private static final String DEFINITIONS = """
            activities:
              - name: Order
                items:
                  - { name: Customer, type: text, length: 40 }
                  - { name: Step, type: integer }
                  - { name: Placed, type: milestone }
                  - { name: Paid, type: milestone }
            """;
    private static final String NOT_COMPLETED = "not-completed";
    private static final String NOT_PAID = "placed-not-paid";

    @Test
    @Timeout(300)
    void everyStalledInstanceIsAlertedExactlyOnceThroughRetriesAndADutyMove() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(FAILED_CALLS);
             BusEnvironment env = new BusEnvironment(List.of("shop"), """
                     alerts:
                       every: 1s
                       webhook: { url: "%s", timeout: 2s }
                       rules:
                         - { name: not-completed, activity: Order, begun: true, without: End, within: 8s }
                         - { name: placed-not-paid, activity: Order, milestone: Placed, without: Paid, within: 5s }
                     """.formatted(receiver.url("/hook?token=t0p")));
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            Files.writeString(env.dir.resolve("definitions.yaml"), DEFINITIONS);
            List<HazelcastInstance> members = new ArrayList<>(List.of(cluster.start(0), cluster.start(1)));
            Await.until("the session to run", TIMEOUT, () -> members.stream().anyMatch(m -> ClusterFixture.running(m).contains("shop")));

            List<String> onTime = ids("on-time");     // paid and completed before either rule is due: never alerted
            List<String> unpaid = ids("unpaid");      // placed, never paid or completed: both rules
            List<String> paidOpen = ids("paid-open"); // paid at once, never completed: not-completed only
            List<String> late = ids("late");          // paid after its alert, completed after the duty moved: both, resolved
            List<String> afterMove = ids("after-move"); // placed after the duty moved: both rules, from the other member
            try (EventStream events = EventStream.on(env.sources.get("shop"))) {
                for (String id : concat(onTime, unpaid, late)) {
                    events.beginActivity("Order", id).updateActivity("Order", id, "Placed", Instant.now());
                }
                for (String id : paidOpen) {
                    events.beginActivity("Order", id).updateActivity("Order", id, "Placed", Instant.now(), "Paid", Instant.now());
                }
            }
            Await.until("the on-time orders active and unpaid in the destination", TIMEOUT, () -> env.count(env.destination,
                    "SELECT COUNT(*) FROM bam_Order_active WHERE ActivityID LIKE 'on-time-%' AND Paid IS NULL") == onTime.size());
            try (EventStream events = EventStream.on(env.sources.get("shop"))) {
                for (String id : onTime) {
                    events.updateActivity("Order", id, "Paid", Instant.now()).endActivity("Order", id);
                }
            }
            Await.until("the late orders' unpaid alerts delivered", TIMEOUT,
                    () -> late.stream().allMatch(id -> receiver.accepted().containsKey(NOT_PAID + "/" + id)),
                    () -> receiver.accepted().toString());
            try (EventStream events = EventStream.on(env.sources.get("shop"))) {
                for (String id : late) {
                    events.updateActivity("Order", id, "Paid", Instant.now());
                }
            }
            Await.until("the late orders' unpaid alerts resolved by their payment", TIMEOUT, () -> env.count(env.destination,
                    "SELECT COUNT(*) FROM bam_alerts WHERE activity_id LIKE 'late-%' AND resolution = 'Paid reached'") == 5);
            Set<String> expected = new TreeSet<>();
            for (String id : concat(unpaid, late)) {
                expected.add(NOT_PAID + "/" + id);
            }
            for (String id : concat(unpaid, paidOpen, late)) {
                expected.add(NOT_COMPLETED + "/" + id);
            }
            Await.until("every stalled order of the first phase alerted", TIMEOUT,
                    () -> receiver.accepted().keySet().containsAll(expected), () -> receiver.accepted().toString());

            HazelcastInstance owner = members.stream().filter(m -> m.getPartitionService().getPartition(AlertSchedule.KEY)
                    .getOwner().localMember()).findFirst().orElseThrow();
            members.remove(owner);
            HazelcastInstance survivor = members.get(0);
            owner.getLifecycleService().shutdown();
            Await.until("the survivor to own the alert duty", TIMEOUT, () -> survivor.getPartitionService()
                    .getPartition(AlertSchedule.KEY).getOwner().localMember());
            try (EventStream events = EventStream.on(env.sources.get("shop"))) {
                for (String id : afterMove) {
                    events.beginActivity("Order", id).updateActivity("Order", id, "Placed", Instant.now());
                }
                for (String id : late) {
                    events.endActivity("Order", id);
                }
            }
            for (String id : afterMove) {
                expected.add(NOT_PAID + "/" + id);
                expected.add(NOT_COMPLETED + "/" + id);
            }
            Await.until("every stalled order alerted, the late ones resolved", TIMEOUT,
                    () -> receiver.accepted().keySet().containsAll(expected) && env.count(env.destination,
                            "SELECT COUNT(*) FROM bam_alerts WHERE activity_id LIKE 'late-%' AND resolved_at IS NOT NULL") == 10,
                    () -> receiver.accepted().toString());
            Await.until("no alert waiting for delivery", TIMEOUT, () -> env.count(env.destination,
                    "SELECT COUNT(*) FROM bam_alerts WHERE next_attempt_at IS NOT NULL") == 0);

            Map<String, Integer> accepted = receiver.accepted();
            assertEquals(expected, accepted.keySet(), "alerted: exactly the stalled orders, none of those resolved in time");
            accepted.forEach((key, n) -> assertEquals(1, n, key + " delivered " + n + " times"));
            List<WebhookReceiver.Call> calls = receiver.calls();
            assertEquals(expected.size() + FAILED_CALLS, calls.size(), "one accepted call per alert, plus the refused ones");
            assertEquals(FAILED_CALLS, calls.stream().filter(c -> c.status() == 500).count());
            for (WebhookReceiver.Call call : calls) {
                assertEquals(WebhookNotifier.idempotencyKey(call.body().path("rule").asText(),
                        call.body().path("instanceId").asText()), call.idempotencyKey());
                assertEquals("/hook?token=t0p", call.path());
            }
            assertEquals(0, env.count(env.destination, "SELECT COUNT(*) FROM bam_alerts WHERE activity_id LIKE 'on-time-%'"));
            assertEquals(expected.size(), env.count(env.destination, "SELECT COUNT(*) FROM bam_alerts WHERE sent_at IS NOT NULL"));
            assertEquals(expected.size() + FAILED_CALLS, env.count(env.destination, "SELECT SUM(attempts) FROM bam_alerts"),
                    "the refused calls were retried, each alert marked sent once");
            assertEquals(5, env.count(env.destination, "SELECT COUNT(*) FROM bam_alerts WHERE activity_id LIKE 'late-%'"
                    + " AND rule = 'placed-not-paid' AND resolution = 'Paid reached'"));
            assertEquals(5, env.count(env.destination, "SELECT COUNT(*) FROM bam_alerts WHERE activity_id LIKE 'late-%'"
                    + " AND rule = 'not-completed' AND resolution = 'completed'"));
            assertEquals(expected.size() - 10, env.count(env.destination, "SELECT COUNT(*) FROM bam_alerts WHERE resolved_at IS NULL"));

            report(calls);
        }
    }

    /**
     * Prints how long after an alert's due time the receiver accepted it: in the first phase (the
     * receiver refuses its first calls, and each refusal ends a round) and after the duty moved
     * (a receiver that answers), the latter split at the evaluation that detected it.
     */
    private static void report(List<WebhookReceiver.Call> calls) {
        List<Long> refusing = new ArrayList<>();
        List<Long> answering = new ArrayList<>();
        List<Long> detection = new ArrayList<>();
        for (WebhookReceiver.Call call : calls) {
            if (call.status() / 100 != 2) {
                continue;
            }
            long due = Instant.parse(call.body().path("due").asText()).toEpochMilli();
            boolean afterMove = call.body().path("instanceId").asText().startsWith("after-move");
            (afterMove ? answering : refusing).add(call.receivedMillis() - due);
            if (afterMove) {
                detection.add(Instant.parse(call.body().path("detected").asText()).toEpochMilli() - due);
            }
        }
        System.out.println("ALERTS latency, rule due -> webhook accepted (evaluated every 1 s): receiver refusing its first "
                + FAILED_CALLS + " calls (n=" + refusing.size() + "): " + percentiles(refusing) + "; receiver answering, after"
                + " the duty moved (n=" + answering.size() + "): " + percentiles(answering) + ", of which due -> detected "
                + percentiles(detection));
    }

    private static String percentiles(List<Long> millis) {
        Collections.sort(millis);
        return "p50 " + millis.get((millis.size() - 1) / 2) + " ms, max " + millis.get(millis.size() - 1) + " ms";
    }

    private static List<String> ids(String prefix) {
        return IntStream.rangeClosed(1, 5).mapToObj(i -> prefix + "-" + i).toList();
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> list : lists) {
            all.addAll(list);
        }
        return all;
    }
}
