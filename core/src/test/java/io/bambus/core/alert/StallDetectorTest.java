package io.bambus.core.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.bambus.core.config.AlertRule;
import io.bambus.core.event.EventStream;
import io.bambus.core.testing.BusFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StallDetectorTest {

    private static final AlertRule RECEIVED_NOT_SHIPPED = new AlertRule("received-not-shipped", "PurchaseOrder", "Received",
            "Shipped", Duration.ofMinutes(30));
    private static final AlertRule NOT_COMPLETED = new AlertRule("not-completed", "purchaseorder", null, null,
            Duration.ofHours(1));

    private BusFixture bus;
    private StallDetector detector;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
        detector = new StallDetector(bus.destination);
        Instant hourAgo = Instant.now().minus(Duration.ofHours(1));
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("PurchaseOrder", "stalled").updateActivity("PurchaseOrder", "stalled", "Received", hourAgo)
                    .beginActivity("PurchaseOrder", "shipped").updateActivity("PurchaseOrder", "shipped", "Received", hourAgo,
                            "Shipped", Instant.now())
                    .beginActivity("PurchaseOrder", "fresh").updateActivity("PurchaseOrder", "fresh", "Received", Instant.now());
        }
        move();
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    private void move() throws Exception {
        bus.moveAll();
    }

    private StallDetector.Evaluation evaluate(List<AlertRule> rules) throws Exception {
        return detector.evaluate(rules, Duration.ofDays(30), true, () -> true);
    }

    @Test
    void aStalledInstanceIsRecordedOnceAndResolvedWhenItsMilestoneArrives() throws Exception {
        assertEquals(Map.of("received-not-shipped", 1), evaluate(List.of(RECEIVED_NOT_SHIPPED)).raised());
        assertEquals("stalled|PurchaseOrder|milestone Received without Shipped within 30m|1", bus.one(bus.destination,
                "SELECT CONCAT_WS('|', activity_id, activity, rule_text, next_attempt_at = detected_at) FROM bam_alerts"));
        assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_alerts WHERE due_at = since_at + INTERVAL 30 MINUTE"));
        assertEquals(Map.of("received-not-shipped", 0), evaluate(List.of(RECEIVED_NOT_SHIPPED)).raised(), "never twice");
        assertEquals(1, bus.count(bus.destination, "SELECT COUNT(DISTINCT index_name) FROM information_schema.statistics WHERE table_schema ="
                + " DATABASE() AND table_name = 'bam_PurchaseOrder_active' AND index_name = 'ix_alert_Shipped_Received'"),
                "the rule's query has its index");

        try (EventStream events = EventStream.on(bus.source)) {
            events.updateActivity("PurchaseOrder", "stalled", "Shipped", Instant.now());
        }
        move();
        StallDetector.Evaluation evaluation = evaluate(List.of(RECEIVED_NOT_SHIPPED));
        assertEquals(Map.of("received-not-shipped", 1), evaluation.resolved());
        assertEquals("Shipped reached", bus.one(bus.destination, "SELECT resolution FROM bam_alerts WHERE resolved_at IS NOT NULL"
                + " AND next_attempt_at IS NULL"));
        assertEquals(Map.of("received-not-shipped", 0), evaluate(List.of(RECEIVED_NOT_SHIPPED)).raised(),
                "a resolved instance is not alerted again");
    }

    @Test
    void aBegunRuleCountsFromTheEarliestEventAndResolvesOnCompletion() throws Exception {
        bus.execute(bus.destination, "UPDATE bam_PurchaseOrder_active SET BeganAt = UTC_TIMESTAMP(6) - INTERVAL 2 HOUR"
                + " WHERE ActivityID IN ('stalled', 'shipped')");
        // a row from before BeganAt existed counts from its last change
        bus.execute(bus.destination, "UPDATE bam_PurchaseOrder_active SET BeganAt = NULL,"
                + " LastModified = UTC_TIMESTAMP(6) - INTERVAL 3 HOUR WHERE ActivityID = 'fresh'");
        assertEquals(Map.of("not-completed", 3), evaluate(List.of(NOT_COMPLETED)).raised());
        assertEquals("PurchaseOrder", bus.one(bus.destination, "SELECT DISTINCT activity FROM bam_alerts"),
                "the activity as deployed, whatever case the rule wrote");

        try (EventStream events = EventStream.on(bus.source)) {
            events.endActivity("PurchaseOrder", "shipped");
        }
        move();
        assertEquals(Map.of("not-completed", 1), evaluate(List.of(NOT_COMPLETED)).resolved());
        assertEquals("completed", bus.one(bus.destination, "SELECT resolution FROM bam_alerts WHERE activity_id = 'shipped'"));
    }

    @Test
    void alertsOfARemovedRuleAreResolvedAndOldResolvedOnesDeleted() throws Exception {
        evaluate(List.of(RECEIVED_NOT_SHIPPED));
        StallDetector.Evaluation evaluation = evaluate(List.of(NOT_COMPLETED));
        assertEquals(1, evaluation.retired());
        assertEquals("rule removed", bus.one(bus.destination, "SELECT resolution FROM bam_alerts WHERE rule = 'received-not-shipped'"));
        bus.execute(bus.destination, "UPDATE bam_alerts SET resolved_at = UTC_TIMESTAMP(6) - INTERVAL 2 DAY");
        assertEquals(1, detector.evaluate(List.of(NOT_COMPLETED), Duration.ofDays(1), true, () -> true).purged());
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_alerts"));
    }

    @Test
    void aRuleAnotherMembersFileStillHasIsNotRetired() throws Exception {
        evaluate(List.of(RECEIVED_NOT_SHIPPED));
        // the member evaluating now has only NOT_COMPLETED; another member's file still has received-not-shipped
        StallDetector.Evaluation evaluation = detector.evaluate(List.of(NOT_COMPLETED), Duration.ofDays(30), true,
                java.util.Set.of("received-not-shipped"), () -> true);
        assertEquals(0, evaluation.retired(), "before: 1, resolved as 'rule removed' by the member that lacked it");
        assertNull(bus.one(bus.destination, "SELECT resolution FROM bam_alerts WHERE rule = 'received-not-shipped'"));
        assertEquals(1, detector.evaluate(List.of(NOT_COMPLETED), Duration.ofDays(30), true, java.util.Set.of(), () -> true)
                .retired(), "once no member has it, it is retired");
    }

    @Test
    void withoutAWebhookAlertsAreOnlyRecordedAndARuleOnNothingDeployedIsSkipped() throws Exception {
        AlertRule unknown = new AlertRule("ghost", "Shipment", "Arrived", null, Duration.ofMinutes(1));
        StallDetector.Evaluation evaluation = detector.evaluate(List.of(unknown, RECEIVED_NOT_SHIPPED), Duration.ofDays(30),
                false, () -> true);
        assertEquals(Map.of("received-not-shipped", 1), evaluation.raised());
        assertNull(bus.one(bus.destination, "SELECT next_attempt_at FROM bam_alerts"), "nothing to deliver");
    }
}
