package io.bambus.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.session.Checkpoint;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.event.DecodedEvent;
import io.bambus.core.testing.BusFixture;
import io.bambus.core.testing.OutboxEvents;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A quarantined event holds back the later events of its instance until it is retried or discarded. */
class HoldBackTest {

    private BusFixture bus;
    private FailedEvents failed;
    private Applier applier;
    private Checkpoint checkpoint;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
        failed = new FailedEvents(bus.destination);
        applier = bus.applier("s1");
        checkpoint = applier.claim(1, false);
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    private void apply(List<DecodedEvent> batch) throws Exception {
        checkpoint = applier.apply(1, checkpoint, batch).checkpoint();
    }

    private String reason(long seq) throws Exception {
        return bus.one(bus.destination, "SELECT reason FROM bam_failed_events WHERE source_seq = " + seq);
    }

    @Test
    void laterEventsWaitBehindAQuarantinedEventAndRetryingInOrderAppliesThemInOrder() throws Exception {
        OutboxEvents events = new OutboxEvents();
        events.add("BEGIN", "po-1", "{}");
        events.add("ENABLE_CONTINUATION", "po-1", "{\"token\":\"dock-1\"}");
        long colour = events.add("UPDATE", "po-1", "{\"Colour\":\"red\", \"Customer\":\"first\"}");  // item not deployed yet
        long second = events.add("UPDATE", "po-1", "{\"Customer\":\"second\"}");
        events.add("BEGIN", "po-2", "{}");
        long third = events.add("UPDATE", "po-1", "{\"Customer\":\"third\"}");
        long viaToken = events.add("UPDATE", "dock-1", "{\"Step\":3}");
        apply(events.seqs(1, 5));
        apply(events.seqs(6, 7));

        assertTrue(reason(colour).contains("has no item 'Colour'"), reason(colour));
        for (long held : List.of(second, third, viaToken)) {
            assertTrue(reason(held).contains("held behind failed event seq " + colour + " of session 's1' on instance 'po-1'"),
                    reason(held));
        }
        assertEquals(null, bus.one(bus.destination, "SELECT Customer FROM bam_PurchaseOrder_active WHERE ActivityID = 'po-1'"));
        assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active WHERE ActivityID = 'po-2'"));

        long thirdId = Long.parseLong(bus.one(bus.destination, "SELECT id FROM bam_failed_events WHERE source_seq = " + third));
        FailedEvents.Retry early = failed.retry(FailedEvents.Filter.ids(List.of(thirdId))).get(0);
        assertFalse(early.applied(), "a held event cannot apply before the one it waits on");
        assertTrue(early.reason().contains("held behind failed event seq " + colour), early.reason());

        new ActivityDeployer(bus.destination).deploy(DefinitionFile.parse("defs.yaml", BusFixture.DEFINITIONS.replace(
                "  - name: Shipment", "      - { name: Colour, type: text, length: 10 }\n  - name: Shipment")));
        List<FailedEvents.Retry> retried = failed.retry(new FailedEvents.Filter("s1", null, null, List.of()));
        assertTrue(retried.stream().allMatch(FailedEvents.Retry::applied), retried.toString());
        assertEquals("red|third|3", bus.one(bus.destination,
                "SELECT CONCAT_WS('|', Colour, Customer, Step) FROM bam_PurchaseOrder_active WHERE ActivityID = 'po-1'"));
        assertEquals(0, failed.count(FailedEvents.Filter.all()));

        // released: the next event of the instance applies at once
        events.add("UPDATE", "po-1", "{\"Customer\":\"fourth\"}");
        apply(events.seqs(8, 8));
        assertEquals("fourth", bus.one(bus.destination, "SELECT Customer FROM bam_PurchaseOrder_active WHERE ActivityID = 'po-1'"));
    }

    @Test
    void discardingTheBlockingEventReleasesTheHeldOnesForRetry() throws Exception {
        OutboxEvents events = new OutboxEvents();
        long poison = events.add("UPDATE", "po-1", "{\"Quantity\":\"many\"}");
        long held = events.add("UPDATE", "po-1", "{\"Customer\":\"kept\"}");
        apply(events.all());
        assertTrue(reason(held).contains("held behind failed event seq " + poison), reason(held));

        failed.discard(new FailedEvents.Filter(null, null, "type mismatch", List.of()));
        List<FailedEvents.Retry> retried = failed.retry(new FailedEvents.Filter("s1", null, null, List.of()));
        assertEquals(1, retried.size());
        assertTrue(retried.get(0).applied(), retried.toString());
        assertEquals("kept", bus.one(bus.destination, "SELECT Customer FROM bam_PurchaseOrder_active WHERE ActivityID = 'po-1'"));
    }
}
