package io.bambus.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.session.Checkpoint;
import io.bambus.core.event.DecodedEvent;
import io.bambus.core.testing.BusFixture;
import io.bambus.core.testing.OutboxEvents;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** No event stalls its session: whatever applying it throws, it is isolated and quarantined. */
class IsolationTest {

    private BusFixture bus;
    private Applier applier;
    private Checkpoint checkpoint;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
        applier = bus.applier("s1");
        checkpoint = applier.claim(1, false);
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    private Applier.Result apply(List<DecodedEvent> batch) throws Exception {
        Applier.Result result = applier.apply(1, checkpoint, batch);
        checkpoint = result.checkpoint();
        return result;
    }

    @Test
    void anEventForATokenEndedEarlierInItsBatchAppliesAsItWouldInALaterBatch() throws Exception {
        OutboxEvents events = new OutboxEvents();
        events.add("BEGIN", "po-1", "{}");
        events.add("ENABLE_CONTINUATION", "po-1", "{\"token\":\"T\"}");
        events.add("END", "T", "{}");
        events.add("UPDATE", "T", "{\"Customer\":\"after the end\"}");   // T is no token any more: an instance of its own
        events.add("END", "T", "{}");
        events.add("ENABLE_CONTINUATION", "po-2", "{\"token\":\"T\"}");   // T enabled again, for another instance
        events.add("UPDATE", "T", "{\"Quantity\":7}");

        apply(events.seqs(1, 2));
        assertEquals(0, apply(events.seqs(3, 7)).failed().size());
        String oneBatch = bus.dumpDestination();

        try (BusFixture other = new BusFixture()) {
            Applier split = other.applier("s1");
            Checkpoint at = split.claim(1, false);
            for (int seq = 1; seq <= 7; seq++) {
                at = split.apply(1, at, events.seqs(seq, seq)).checkpoint();
            }
            assertEquals(other.dumpDestination(), oneBatch);
        }
        assertEquals("after the end", bus.one(bus.destination,
                "SELECT Customer FROM bam_PurchaseOrder_completed WHERE ActivityID = 'T'"));
        assertEquals("po-2|7", bus.one(bus.destination, "SELECT CONCAT_WS('|', c.ActivityID, a.Quantity)"
                + " FROM bam_PurchaseOrder_continuations c JOIN bam_PurchaseOrder_active a ON a.ActivityID = c.ActivityID"
                + " WHERE c.ContinuationToken = 'T'"));
    }

    @Test
    void anEventTheServerRefusesIsIsolatedAndTheRestOfItsBatchCommits() throws Exception {
        // a failure no check of ours foresees: the server raises an error of no data class (45000)
        bus.execute(bus.destination, "CREATE TRIGGER refuse_boom BEFORE INSERT ON bam_PurchaseOrder_active FOR EACH ROW"
                + " IF NEW.Customer = 'boom' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'no boom here'; END IF");
        OutboxEvents events = new OutboxEvents();
        for (int i = 0; i < 40; i++) {
            events.add("BEGIN", "b-" + i, "{}");
            events.add("UPDATE", "b-" + i, "{\"Customer\":\"" + (i == 7 || i == 30 ? "boom" : "c" + i) + "\"}");
        }
        long held = events.add("UPDATE", "b-7", "{\"Quantity\":1}");

        Applier.Result result = apply(events.all());

        Map<Long, String> reasons = result.failed().stream().collect(Collectors.toMap(f -> f.event().seq(), FailedEvent::reason));
        // b-7's and b-30's updates (seqs 16 and 62) fail; b-7's later update waits behind its failure
        assertEquals(List.of(16L, 62L, held), reasons.keySet().stream().sorted().toList(), reasons.toString());
        assertTrue(reasons.get(16L).contains("the destination refused the event (SQLState 45000") && reasons.get(16L).contains("no boom here"),
                reasons.get(16L));
        assertTrue(reasons.get(held).contains("held behind failed event seq 16 "), reasons.get(held));
        assertEquals(38, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active WHERE Customer LIKE 'c%'"));
        assertEquals(40, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active"));
        assertEquals(3, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_failed_events"));
        assertEquals(1, checkpoint.batchNo());
    }

    @Test
    void numbersAtTheEdgesOfTheirItemsStoreOrFailWithAReasonInBoundedTime() throws Exception {
        OutboxEvents events = new OutboxEvents();
        events.add("UPDATE", "tiny", "{\"Amount\":1E-999999999}");
        events.add("UPDATE", "huge", "{\"Amount\":1E+999999999}");
        events.add("UPDATE", "huge-text", "{\"Amount\":\"1E+999999999\"}");
        events.add("UPDATE", "half-cent", "{\"Amount\":0.005}");
        events.add("UPDATE", "long-max", "{\"Quantity\":9223372036854775807, \"Step\":-9223372036854775808}");
        events.add("UPDATE", "long-over", "{\"Quantity\":9223372036854775808}");
        events.add("UPDATE", "float-max", "{\"Weight\":1e308}");
        events.add("UPDATE", "float-over", "{\"Weight\":1e309}");
        events.add("UPDATE", "float-under", "{\"Weight\":1E-999999999}");
        events.add("UPDATE", "minus-zero", "{\"Weight\":-0, \"Amount\":-0.0}");
        events.add("UPDATE", "nan", "{\"Weight\":\"NaN\"}");
        events.add("UPDATE", "integer-exponent", "{\"Quantity\":1E+999999999}");

        Applier.Result result = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> apply(events.all()));

        Map<String, String> reasons = result.failed().stream()
                .collect(Collectors.toMap(f -> f.event().instanceId(), FailedEvent::reason));
        assertEquals(List.of("float-over", "huge", "huge-text", "integer-exponent", "long-over", "nan"),
                reasons.keySet().stream().sorted().toList(), reasons.toString());
        assertTrue(reasons.get("huge").contains("value 1E+999999999 does not fit decimal(10,2)"), reasons.get("huge"));
        assertTrue(reasons.get("huge-text").contains("does not fit"), reasons.get("huge-text"));
        assertTrue(reasons.get("long-over").contains("outside the 64-bit integer range"), reasons.get("long-over"));
        assertTrue(reasons.get("float-over").contains("outside the range of a float"), reasons.get("float-over"));
        assertTrue(reasons.get("nan").contains("type mismatch"), reasons.get("nan"));
        assertTrue(reasons.get("integer-exponent").contains("type mismatch"), reasons.get("integer-exponent"));
        String stored = "SELECT CONCAT_WS('|', ActivityID, Amount, Quantity, Step, Weight) FROM bam_PurchaseOrder_active"
                + " WHERE ActivityID = '%s'";
        assertEquals("tiny|0.00", bus.one(bus.destination, stored.formatted("tiny")));
        assertEquals("half-cent|0.01", bus.one(bus.destination, stored.formatted("half-cent")));
        assertEquals("long-max|9223372036854775807|-9223372036854775808", bus.one(bus.destination, stored.formatted("long-max")));
        assertEquals("float-max|1e308", bus.one(bus.destination, stored.formatted("float-max")));
        assertEquals("float-under|0", bus.one(bus.destination, stored.formatted("float-under")));
        assertEquals("minus-zero|0.00|0", bus.one(bus.destination, stored.formatted("minus-zero")));
    }
}
