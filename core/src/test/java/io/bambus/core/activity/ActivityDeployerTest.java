package io.bambus.core.activity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.testing.BusFixture;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ActivityDeployerTest {

    private static final String V1 = "activities: [ { name: Order, items: [ { name: Customer, type: text, length: 30 } ] } ]";

    private BusFixture bus;
    private ActivityDeployer deployer;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture(V1);
        deployer = new ActivityDeployer(bus.destination);
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    @Test
    void deployCreatesTablesAndViewAndRedeployIsANoOp() throws Exception {
        for (String table : List.of("bam_Order_active", "bam_Order_completed", "bam_Order_relationships",
                "bam_Order_continuations", "bam_Order_all_instances")) {
            assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM information_schema.tables"
                    + " WHERE table_schema = DATABASE() AND table_name = '" + table + "'"), table);
        }
        assertEquals(List.of(), deployer.deploy(DefinitionFile.parse("v1.yaml", V1)));
    }

    @Test
    void additiveChangeAltersTablesAndView() throws Exception {
        String v2 = "activities: [ { name: Order, items: [ { name: Customer, type: text, length: 30 },"
                + " { name: Total, type: decimal, precision: 9, scale: 2 } ] } ]";
        List<String> ran = deployer.deploy(DefinitionFile.parse("v2.yaml", v2));
        assertEquals(4, ran.size(), "active, completed, archive and the view: " + ran);
        assertTrue(ran.get(2).startsWith("ALTER TABLE `bam_Order_archive` ADD COLUMN `Total`"), ran.toString());
        bus.execute(bus.destination, "INSERT INTO bam_Order_active (ActivityID, LastModified, Customer, Total)"
                + " VALUES ('a', NOW(), 'c', 12.5)");
        assertEquals("12.50", bus.one(bus.destination, "SELECT Total FROM bam_Order_all_instances"));
        assertEquals(List.of(), deployer.deploy(DefinitionFile.parse("v2.yaml", v2)));
    }

    @Test
    void destructiveChangesAreRefusedAndChangeNothing() throws Exception {
        String dropped = "activities: [ { name: Order, items: [ { name: Other, type: integer } ] } ]";
        DefinitionChangeRefusedException e = assertThrows(DefinitionChangeRefusedException.class,
                () -> deployer.deploy(DefinitionFile.parse("v2.yaml", dropped)));
        assertTrue(e.getMessage().contains("item 'Customer' is deployed but missing from the new definition"), e.getMessage());
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM information_schema.columns"
                + " WHERE table_schema = DATABASE() AND column_name = 'Other'"));

        String retyped = "activities: [ { name: Order, items: [ { name: Customer, type: text, length: 10 } ] } ]";
        e = assertThrows(DefinitionChangeRefusedException.class, () -> deployer.deploy(DefinitionFile.parse("v3.yaml", retyped)));
        assertTrue(e.getMessage().contains("item 'Customer' is deployed as text(30) and the new definition makes it text(10)"),
                e.getMessage());
        assertEquals("varchar(30)", bus.one(bus.destination, "SELECT column_type FROM information_schema.columns"
                + " WHERE table_schema = DATABASE() AND table_name = 'bam_Order_active' AND column_name = 'Customer'"));
    }

    @Test
    void planShowsTheDdlWithoutRunningIt() throws Exception {
        String v2 = "activities: [ { name: Invoice, items: [ { name: Paid, type: milestone } ] } ]";
        List<String> plan = deployer.plan(DefinitionFile.parse("v2.yaml", v2));
        assertTrue(plan.get(0).startsWith("CREATE TABLE IF NOT EXISTS `bam_Invoice_active`"), plan.get(0));
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM information_schema.tables"
                + " WHERE table_schema = DATABASE() AND table_name LIKE 'bam_Invoice%'"));
    }

    @Test
    void aDeploymentFromBeforeBeganAtGetsTheColumnAndItsIndex() throws Exception {
        bus.execute(bus.destination, "ALTER TABLE bam_Order_active DROP KEY ix_began, DROP COLUMN BeganAt");
        List<String> ran = deployer.deploy(DefinitionFile.parse("v1.yaml", V1));
        assertEquals(List.of("ALTER TABLE `bam_Order_active` ADD COLUMN `BeganAt` DATETIME(6) NULL, ADD KEY `ix_began` (`BeganAt`)"),
                ran);
        assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM information_schema.statistics"
                + " WHERE table_schema = DATABASE() AND table_name = 'bam_Order_active' AND index_name = 'ix_began'"));
        assertEquals(List.of(), deployer.deploy(DefinitionFile.parse("v1.yaml", V1)));
    }
}
