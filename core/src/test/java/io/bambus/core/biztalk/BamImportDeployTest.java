package io.bambus.core.biztalk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.activity.Naming;
import io.bambus.core.testing.BusFixture;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Import → definitions file → deploy on the test server: the tables, views and indexes exist under the names expected. */
class BamImportDeployTest {

    private BusFixture bus;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    /** Index name → its columns in order, of one table (exact, case-sensitive table name). */
    private List<String> indexes(String table) throws Exception {
        List<String> result = new ArrayList<>();
        try (Connection connection = bus.destination.getConnection();
             var select = connection.prepareStatement("SELECT index_name, GROUP_CONCAT(column_name ORDER BY seq_in_index)"
                     + " FROM information_schema.statistics WHERE table_schema = DATABASE() AND BINARY table_name = ?"
                     + " GROUP BY index_name ORDER BY BINARY index_name")) {
            select.setString(1, table);
            try (var rows = select.executeQuery()) {
                while (rows.next()) {
                    result.add(rows.getString(1) + "(" + rows.getString(2) + ")");
                }
            }
        }
        return result;
    }

    private long objects(String name, String type) throws Exception {
        return bus.count(bus.destination, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
                + " AND BINARY table_name = '" + name + "' AND table_type = '" + type + "'");
    }

    @Test
    void importedDefinitionDeploysWithBamNamesAndItsIndexes() throws Exception {
        BamImport.Result result = BamImportTest.importResource("logistics.xml", Naming.BIZTALK, Map.of());
        String yaml = DefinitionFile.toYaml(result.activities(), result.report("logistics.xml"));
        List<ActivityDefinition> definitions = DefinitionFile.parse("definitions.yaml", yaml);
        ActivityDeployer deployer = new ActivityDeployer(bus.destination);
        deployer.deploy(definitions);

        for (String table : List.of("Active", "Completed", "AllRelationships", "Continuations", "Archive")) {
            assertEquals(1, objects("bam_Shipment_Tracking_" + table, "BASE TABLE"), table);
        }
        for (String view : List.of("ActiveInstances", "CompletedInstances", "AllInstances", "ActiveRelationships",
                "CompletedRelationships")) {
            assertEquals(1, objects("bam_Shipment_Tracking_" + view, "VIEW"), view);
        }
        assertEquals(List.of("By_Carrier(Carrier,Tracking_Number)", "PRIMARY(ActivityID)", "ix_began(BeganAt)"),
                indexes("bam_Shipment_Tracking_Active"));
        assertEquals(List.of("By_Carrier(Carrier,Tracking_Number)", "PRIMARY(RecordID)", "ix_last_modified(LastModified)",
                "ux_activity_id(ActivityID)"), indexes("bam_Shipment_Tracking_Completed"));
        assertEquals(List.of("ByCustomer(Customer)", "PRIMARY(ActivityID)", "ix_began(BeganAt)"), indexes("bam_Invoice_Active"));
        assertEquals(List.of("NCI_ParentActivityID(ParentActivityID)", "PRIMARY(ActivityID)"),
                indexes("bam_Shipment_Tracking_Continuations"));

        String record = bus.one(bus.destination, "SELECT definition FROM bam_definitions WHERE activity = 'Shipment_Tracking'");
        assertTrue(record.contains("\"bamName\":\"Shipment Tracking\"") && record.contains("\"bamName\":\"Tracking Number\"")
                && record.contains("\"naming\":\"biztalk\""), record);
        assertEquals(definitions, new ArrayList<>(deployedOf(definitions)));
        assertEquals(List.of(), deployer.deploy(DefinitionFile.parse("definitions.yaml", yaml)), "a second deploy changes nothing");
    }

    @Test
    void underOurNamingTheSameIndexesLandOnOurTables() throws Exception {
        List<ActivityDefinition> definitions = BamImportTest.importResource("purchase-order.xml", Naming.BAMBUS, Map.of()).activities();
        bus.execute(bus.destination, "DELETE FROM bam_definitions");
        bus.execute(bus.destination, "DROP TABLE bam_PurchaseOrder_active, bam_PurchaseOrder_completed, bam_PurchaseOrder_archive,"
                + " bam_PurchaseOrder_relationships, bam_PurchaseOrder_continuations");
        new ActivityDeployer(bus.destination).deploy(definitions);
        assertEquals(List.of("CategoryIndex(ProductCategory)", "LocationIndex(CustomerState,CustomerCity)", "PRIMARY(ActivityID)",
                "ix_began(BeganAt)"), indexes("bam_PurchaseOrder_active"));
        assertTrue(indexes("bam_PurchaseOrder_completed").contains("LocationIndex(CustomerState,CustomerCity)"));
    }

    private List<ActivityDefinition> deployedOf(List<ActivityDefinition> definitions) throws Exception {
        try (Connection connection = bus.destination.getConnection()) {
            Map<String, ActivityDefinition> deployed = ActivityDeployer.deployed(connection);
            return definitions.stream().map(d -> deployed.get(d.name().toLowerCase(java.util.Locale.ROOT))).toList();
        }
    }
}
