package io.bambus.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bambus.core.event.EventStream;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PoisonEventTest {

    private BusFixture bus;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    /** Writes a raw outbox row, as a buggy or hostile producer could. */
    private void raw(String kind, String activity, String id, String payload) throws Exception {
        try (Connection connection = bus.source.getConnection();
             PreparedStatement insert = connection.prepareStatement(
                     "INSERT INTO bam_outbox (kind, activity, instance_id, payload, event_time) VALUES (?, ?, ?, ?, ?)")) {
            insert.setString(1, kind);
            insert.setString(2, activity);
            insert.setString(3, id);
            insert.setBytes(4, payload.getBytes(StandardCharsets.UTF_8));
            insert.setObject(5, LocalDateTime.of(2026, 11, 23, 12, 0));
            insert.executeUpdate();
        }
    }

    @Test
    void poisonEventsOfEveryKindAreQuarantinedWithAReasonAndTheRestCommits() throws Exception {
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("PurchaseOrder", "good-1");
        }
        // each poison event on an instance of its own: later events of an instance wait behind its first (HoldBackTest)
        raw("UPDATE", "PurchaseOrder", "poison-1", "{not json");                                   // malformed payload
        raw("UPDATE", "PurchaseOrder", "poison-2", "[1,2]");                                       // not an object
        raw("EXPLODE", "PurchaseOrder", "poison-3", "{}");                                         // unknown kind
        raw("BEGIN", "NoSuchActivity", "x", "{}");                                               // unknown activity
        raw("UPDATE", "PurchaseOrder", "poison-4", "{\"Colour\": \"red\"}");                        // unknown item
        raw("UPDATE", "PurchaseOrder", "poison-5", "{\"Quantity\": \"many\"}");                     // type mismatch
        raw("UPDATE", "PurchaseOrder", "poison-6", "{\"Customer\": \"" + "x".repeat(21) + "\"}");   // value too long
        raw("UPDATE", "PurchaseOrder", "poison-7", "{\"Amount\": 123456789.5}");                   // decimal overflow
        raw("UPDATE", "PurchaseOrder", "poison-8", "{\"Received\": \"yesterday\"}");               // bad timestamp
        raw("BEGIN", "PurchaseOrder", "i".repeat(129), "{}");                                    // id too long
        raw("UPDATE", "PurchaseOrder", "poison-9", "{\"Quantity\": 1, \"Customer\": true}");        // one bad item spoils the event
        try (EventStream events = EventStream.on(bus.source)) {
            events.updateActivity("PurchaseOrder", "good-1", "Customer", "kept", "Quantity", 2)
                    .beginActivity("PurchaseOrder", "done").endActivity("PurchaseOrder", "done")
                    .updateActivity("PurchaseOrder", "done", "Step", 9);                         // update after end
        }

        SessionMover mover = bus.mover("s", 1, 100);
        mover.claim();
        BusFixture.drain(mover);

        Map<String, String> reasons = new LinkedHashMap<>();
        List<String> allReasons = new ArrayList<>();
        try (Connection connection = bus.destination.getConnection();
             PreparedStatement select = connection.prepareStatement(
                     "SELECT source_seq, reason, payload FROM bam_failed_events ORDER BY source_seq");
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                reasons.put(new String(rows.getBytes(3), StandardCharsets.UTF_8), rows.getString(2));
                allReasons.add(rows.getString(2));
            }
        }
        assertEquals(12, allReasons.size(), allReasons.toString());
        assertReason(reasons, "{not json", "not valid JSON");
        assertReason(reasons, "[1,2]", "must be a JSON object");
        assertReason(reasons, "{\"Colour\": \"red\"}", "has no item 'Colour'");
        assertReason(reasons, "{\"Quantity\": \"many\"}", "type mismatch");
        assertReason(reasons, "{\"Customer\": \"" + "x".repeat(21) + "\"}", "value too long");
        assertReason(reasons, "{\"Amount\": 123456789.5}", "does not fit decimal(10,2)");
        assertReason(reasons, "{\"Received\": \"yesterday\"}", "not an ISO-8601 date-time");
        assertReason(reasons, "{\"Quantity\": 1, \"Customer\": true}", "item 'Customer'");
        assertEquals(1, allReasons.stream().filter(r -> r.contains("unknown event kind 'EXPLODE'")).count());
        assertEquals(1, allReasons.stream().filter(r -> r.contains("unknown activity 'NoSuchActivity'")).count());
        assertEquals(1, allReasons.stream().filter(r -> r.contains("instance id must be 1 to 128")).count());
        assertEquals(1, allReasons.stream().filter(r -> r.contains("already completed")).count());

        // the good events of the same batch committed
        assertEquals("kept|2", bus.one(bus.destination,
                "SELECT CONCAT_WS('|', Customer, Quantity) FROM bam_PurchaseOrder_active WHERE ActivityID = 'good-1'"));
        assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_completed WHERE ActivityID = 'done'"));
        assertEquals("4|12", bus.one(bus.destination, "SELECT CONCAT_WS('|', events_applied, events_failed) FROM bam_checkpoints"));
        // and nothing waits in the source: poison does not block the session
        assertEquals(0, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox WHERE COALESCE(moved_batch, 0) = 0"));
    }

    private static void assertReason(Map<String, String> reasons, String payload, String expected) {
        String reason = reasons.get(payload);
        assertEquals(true, reason != null && reason.contains(expected), "payload " + payload + " gave reason: " + reason);
    }
}
