package io.bambus.core.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.event.EventStream;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeliveryVerifierTest {

    private BusFixture bus;
    private String scratchDb;
    private HikariDataSource scratch;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
        try (EventStream events = EventStream.on(bus.source)) {
            for (int i = 0; i < 20; i++) {
                events.beginActivity("PurchaseOrder", "po-" + i).updateActivity("PurchaseOrder", "po-" + i, "Customer", "c" + i);
                if (i % 2 == 0) {
                    events.endActivity("PurchaseOrder", "po-" + i);
                }
            }
        }
        SessionMover mover = bus.mover("s1", 1, 7);
        mover.claim();
        BusFixture.drain(mover);
        scratchDb = bus.server.create("scratch");
        scratch = bus.server.pool(scratchDb, 2);
    }

    @AfterEach
    void tearDown() {
        scratch.close();
        bus.server.drop(scratchDb);
        bus.close();
    }

    private DeliveryVerifier.Report verify() throws Exception {
        List<DeliveryVerifier.Report> reports = new DeliveryVerifier(bus.destination, scratch)
                .verify(List.of(new DeliveryVerifier.Source("s1", bus.source, OutboxSchema.DEFAULT_TABLE)));
        return reports.get(0);
    }

    @Test
    void aHealthyDestinationPasses() throws Exception {
        DeliveryVerifier.Report report = verify();
        assertTrue(report.passed(), report.toString());
        assertEquals(50, report.eventsChecked());
        assertEquals(20, report.instancesChecked());
    }

    @Test
    void aRowTheDestinationLostBehindTheBussBackIsReported() throws Exception {
        bus.execute(bus.destination, "DELETE FROM bam_PurchaseOrder_completed WHERE ActivityID = 'po-4'");
        DeliveryVerifier.Report report = verify();
        assertFalse(report.passed());
        assertEquals(List.of("PurchaseOrder 'po-4': missing from the destination"), report.lost());
    }

    @Test
    void aWrongValueOrStateAndADuplicateAreReported() throws Exception {
        bus.execute(bus.destination, "UPDATE bam_PurchaseOrder_active SET Customer = 'stale' WHERE ActivityID = 'po-3'");
        String seq = bus.one(bus.source, "SELECT MAX(seq) FROM bam_outbox WHERE kind = 'END'");
        bus.execute(bus.destination, "INSERT INTO bam_failed_events (session_id, source_seq, batch_no, event_kind, activity,"
                + " instance_id, payload, reason, failed_at) VALUES ('s1', " + seq + ", 1, 'END', 'PurchaseOrder', 'po-18', '{}',"
                + " 'already completed', NOW())");
        DeliveryVerifier.Report report = verify();
        assertEquals(1, report.different().size(), report.toString());
        assertTrue(report.different().get(0).startsWith("PurchaseOrder 'po-3'"), report.different().get(0));
        assertEquals(1, report.duplicated().size(), report.toString());
        assertTrue(report.lost().isEmpty());
    }
}
