package io.bambus.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.event.EventStream;
import io.bambus.core.testing.BusFixture;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FailedEventsTest {

    private static final String WITH_INVOICE = BusFixture.DEFINITIONS + """
              - name: Invoice
                items:
                  - { name: Total, type: integer }
            """;

    private BusFixture bus;
    private FailedEvents failed;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
        failed = new FailedEvents(bus.destination);
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("Invoice", "inv-1");                       // not deployed yet
            events.updateActivity("Invoice", "inv-1", Map.of("Total", 42));  // not deployed yet
            events.beginActivity("PurchaseOrder", "po-1");
            events.updateActivity("PurchaseOrder", "po-1", Map.of("Customer", "x".repeat(30)));  // too long
        }
        var mover = bus.mover("s1", 1, 100);
        mover.claim();
        BusFixture.drain(mover);
        assertEquals(3, failed.count(FailedEvents.Filter.all()));
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    @Test
    void retryAppliesAnEventOnceItsCauseIsFixedAndDeletesItsRow() throws Exception {
        FailedEvents.Filter invoices = new FailedEvents.Filter("s1", "Invoice", null, List.of());
        List<FailedEvents.Retry> early = failed.retry(invoices);
        assertEquals(2, early.size());
        assertTrue(early.stream().noneMatch(FailedEvents.Retry::applied));
        assertTrue(early.get(0).reason().contains("unknown activity 'Invoice'"), early.get(0).reason());
        assertEquals(2, failed.count(invoices), "a retry that fails keeps the event");

        new ActivityDeployer(bus.destination).deploy(DefinitionFile.parse("defs.yaml", WITH_INVOICE));
        List<FailedEvents.Row> rows = failed.list(invoices, 0, 10);
        assertTrue(failed.retry(FailedEvents.Filter.ids(List.of(rows.get(0).id()))).get(0).applied());
        assertTrue(failed.retry(FailedEvents.Filter.ids(List.of(rows.get(1).id()))).get(0).applied());

        assertEquals(0, failed.count(invoices));
        assertEquals("42", bus.one(bus.destination, "SELECT Total FROM bam_Invoice_active WHERE ActivityID = 'inv-1'"));
        FailedEvents.Retry again = failed.retry(FailedEvents.Filter.ids(List.of(rows.get(1).id()))).get(0);
        assertFalse(again.applied(), "a retried event is applied at most once");
        assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_Invoice_active"));
        assertEquals(1, failed.count(FailedEvents.Filter.all()), "the other session's poison event is untouched");
    }

    @Test
    void discardRemovesOnlyTheMatchingRowsAndAnUnfilteredActionIsRefused() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> failed.discard(FailedEvents.Filter.all()));
        assertThrows(IllegalArgumentException.class, () -> failed.retry(FailedEvents.Filter.all()));

        List<FailedEvents.Row> discarded = failed.discard(new FailedEvents.Filter(null, null, "too long", List.of()));
        assertEquals(1, discarded.size());
        assertEquals("PurchaseOrder", discarded.get(0).activity());
        assertTrue(discarded.get(0).payloadText().contains("xxxxx"), "the original bytes are kept until discarded");
        assertEquals(2, failed.count(FailedEvents.Filter.all()));
    }
}
