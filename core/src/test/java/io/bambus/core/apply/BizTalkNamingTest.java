package io.bambus.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.activity.DefinitionChangeRefusedException;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.event.EventStream;
import io.bambus.core.testing.BusFixture;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** naming: biztalk — events move through the applier into BAM's tables, and report queries in BAM's names find them. */
class BizTalkNamingTest {

    private static final String DEFINITIONS = """
            naming: biztalk
            activities:
              - name: PurchaseOrder
                items:
                  - { name: POReceived, type: milestone }
                  - { name: POShipped, type: milestone }
                  - { name: CustomerName, type: text, length: 50 }
                  - { name: POAmount, type: float }
            """;

    private BusFixture bus;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture(DEFINITIONS);
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    private void move() throws Exception {
        bus.moveAll();
    }

    private String one(String sql) throws Exception {
        return bus.one(bus.destination, sql);
    }

    @Test
    void eventsLandInBamsTablesAndBamReportQueriesRun() throws Exception {
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("PurchaseOrder", "PO-1")
                    .updateActivity("PurchaseOrder", "PO-1", "POReceived", Instant.parse("2026-11-30T08:00:00Z"),
                            "CustomerName", "Contoso", "POAmount", 1250.5)
                    .addReference("PurchaseOrder", "PO-1", "Document", "Invoice", "INV-9")
                    .addRelatedActivity("PurchaseOrder", "PO-1", "Shipment", "SH-1")
                    .enableContinuation("PurchaseOrder", "PO-1", "warehouse-PO-1")
                    .beginActivity("PurchaseOrder", "PO-2")
                    .updateActivity("PurchaseOrder", "PO-2", "CustomerName", "Fabrikam");
        }
        move();
        // BAM's continuation columns: the token in ActivityID, the instance it continues in ParentActivityID
        assertEquals("PO-1", one("SELECT ParentActivityID FROM bam_PurchaseOrder_Continuations WHERE ActivityID = 'warehouse-PO-1'"));
        assertEquals("PO-1,PO-2", one("SELECT GROUP_CONCAT(ActivityID ORDER BY ActivityID) FROM bam_PurchaseOrder_ActiveInstances"));
        assertEquals("Activity:Shipment:SH-1|Document:Invoice:INV-9", one("SELECT GROUP_CONCAT(CONCAT_WS(':', ReferenceType,"
                + " ReferenceName, ReferenceData) ORDER BY ReferenceType SEPARATOR '|') FROM bam_PurchaseOrder_ActiveRelationships"
                + " WHERE ActivityID = 'PO-1'"));

        try (EventStream events = EventStream.on(bus.source)) {
            events.updateActivity("PurchaseOrder", "warehouse-PO-1", "POShipped", Instant.parse("2026-11-30T17:30:00Z"))
                    .endActivity("PurchaseOrder", "warehouse-PO-1")
                    .endActivity("PurchaseOrder", "PO-1");
        }
        move();

        // queries as BAM report writers wrote them (T-SQL's TOP and NOLOCK aside)
        assertEquals("Contoso|2026-11-30 08:00:00.000000|2026-11-30 17:30:00.000000|1250.5", one("SELECT CONCAT_WS('|', CustomerName,"
                + " POReceived, POShipped, POAmount) FROM bam_PurchaseOrder_Completed WHERE ActivityID = 'PO-1'"));
        assertEquals("0", one("SELECT COUNT(*) FROM bam_PurchaseOrder_Active WHERE ActivityID = 'PO-1'"));
        assertEquals("0", one("SELECT COUNT(*) FROM bam_PurchaseOrder_Continuations"));
        assertEquals("PO-1:completed|PO-2:active", one("SELECT GROUP_CONCAT(CONCAT(ActivityID, ':', IF(RecordID IS NULL, 'active',"
                + " 'completed')) ORDER BY ActivityID SEPARATOR '|') FROM bam_PurchaseOrder_AllInstances"));
        assertEquals("RecordID,ActivityID,POReceived,POShipped,CustomerName,POAmount,LastModified", one("SELECT GROUP_CONCAT(column_name"
                + " ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = DATABASE()"
                + " AND BINARY table_name = 'bam_PurchaseOrder_AllInstances'"));
        assertEquals(one("SELECT RecordID FROM bam_PurchaseOrder_Completed WHERE ActivityID = 'PO-1'"),
                one("SELECT MIN(RecordID) FROM bam_PurchaseOrder_CompletedRelationships WHERE ActivityID = 'PO-1'"));
        assertEquals("2", one("SELECT COUNT(*) FROM bam_PurchaseOrder_AllRelationships WHERE ActivityID = 'PO-1'"));
        assertEquals("PO-1", one("SELECT ActivityID FROM bam_PurchaseOrder_CompletedInstances"
                + " WHERE TIMESTAMPDIFF(HOUR, POReceived, POShipped) >= 9"));
    }

    @Test
    void changingTheNamingOfADeployedActivityIsRefused() throws Exception {
        String ours = DEFINITIONS.replace("naming: biztalk", "naming: bambus");
        DefinitionChangeRefusedException e = assertThrows(DefinitionChangeRefusedException.class,
                () -> new ActivityDeployer(bus.destination).deploy(DefinitionFile.parse("v2.yaml", ours)));
        assertTrue(e.getMessage().contains("activity 'PurchaseOrder' is deployed with naming: biztalk (tables bam_PurchaseOrder_Active,"
                + " bam_PurchaseOrder_Completed, …) and the new definitions ask for naming: bambus; its rows live under the old names."
                + " Keep naming: biztalk, or deploy the activity under a new name"), e.getMessage());
        assertEquals("0", one("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
                + " AND BINARY table_name = 'bam_PurchaseOrder_active'"));
    }
}
