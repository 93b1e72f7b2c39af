package io.bambus.core.biztalk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.activity.ViewDefinition;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.activity.IndexDefinition;
import io.bambus.core.activity.ItemDefinition;
import io.bambus.core.activity.ItemType;
import io.bambus.core.activity.Naming;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BamImportTest {

    static BamImport.Result importResource(String name, Naming naming, Map<String, String> renames) throws Exception {
        try (InputStream in = BamImportTest.class.getResourceAsStream("/bam/" + name)) {
            return BamImport.read(name, in, naming, renames);
        }
    }

    private static BamImportException refused(String name) {
        return assertThrows(BamImportException.class, () -> importResource(name, Naming.BIZTALK, Map.of()));
    }

    @Test
    void checkpointsBecomeItemsOfTheirTypeAndIndexesKeepTheirCheckpoints() throws Exception {
        BamImport.Result result = importResource("purchase-order.xml", Naming.BIZTALK, Map.of());
        ActivityDefinition po = result.activities().get(0);
        assertEquals("PurchaseOrder", po.name());
        assertEquals(Naming.BIZTALK, po.naming());
        assertEquals(ItemDefinition.milestone("POReceived"), po.item("POReceived"));
        assertEquals(ItemDefinition.of("POAmount", ItemType.FLOAT), po.item("POAmount"));
        assertEquals(ItemDefinition.of("Quantity", ItemType.INTEGER), po.item("Quantity"));
        assertEquals(ItemDefinition.text("CustomerName", 50), po.item("CustomerName"));
        assertEquals(List.of(new IndexDefinition("LocationIndex", List.of("CustomerState", "CustomerCity"), "LocationIndex"),
                new IndexDefinition("CategoryIndex", List.of("ProductCategory"), "CategoryIndex")), po.indexes());
        assertEquals("PurchaseOrder", po.bamName());
    }

    @Test
    void whatHasNoEquivalentIsListedNotDropped() throws Exception {
        List<String> notImported = importResource("purchase-order.xml", Naming.BIZTALK, Map.of()).notImported();
        assertEquals(3, notImported.size(), notImported.toString());
        assertTrue(notImported.get(0).startsWith("Cube 'POCube' (line 45): 2 measure(s), 3 dimension(s), its real-time"
                + " aggregation(s) imported. The OLAP cube itself has no equivalent"), notImported.get(0));
        assertTrue(notImported.get(1).startsWith("Alerts (line 67): 1 view alert(s) with alert instance(s) [BigOrder]"), notImported.get(1));
        assertTrue(notImported.get(2).startsWith("<Extension> (line 89)"), notImported.get(2));
    }

    @Test
    void aViewBecomesAnActivityViewWithItsAliasesAndDurations() throws Exception {
        ActivityDefinition po = importResource("purchase-order.xml", Naming.BIZTALK, Map.of()).activities().get(0);
        assertEquals(List.of(new ViewDefinition("SalesManagerView", List.of(
                new ViewDefinition.Alias("POReceivedTime", List.of("POReceived")),
                new ViewDefinition.Alias("PODecisionTime", List.of("POApproved", "PODenied")),
                new ViewDefinition.Alias("Amount", List.of("POAmount")),
                new ViewDefinition.Alias("State", List.of("CustomerState"))), List.of(
                new ViewDefinition.Duration("POEvaluationDuration", "POReceivedTime", "PODecisionTime",
                        ViewDefinition.Resolution.HOUR)), null, po.views().get(0).aggregations())), po.views());
        assertEquals(List.of("bam_SalesManagerView_PurchaseOrder_View", "bam_SalesManagerView_PurchaseOrder_ActiveView",
                "bam_SalesManagerView_PurchaseOrder_CompletedView"), po.viewObjectNames());
    }

    @Test
    void aRealTimeAggregationBecomesTheViewsAggregationAndOneWithoutATimeDimensionIsRefused() throws Exception {
        ActivityDefinition po = importResource("purchase-order.xml", Naming.BIZTALK, Map.of()).activities().get(0);
        io.bambus.core.activity.AggregationDefinition rta = po.views().get(0).aggregations().get(0);
        assertEquals("POByLocation", rta.name());
        assertEquals(new io.bambus.core.activity.AggregationDefinition.TimeDimension("POReceivedTime", List.of(
                io.bambus.core.activity.AggregationDefinition.TimeLevel.YEAR,
                io.bambus.core.activity.AggregationDefinition.TimeLevel.MONTH)), rta.time());
        assertEquals(List.of("State"), rta.dimensions().get(0).levels());
        assertEquals(List.of("PurchaseAmountTotal:SUM:Amount", "POCount:COUNT:null"), rta.measures().stream()
                .map(m -> m.name() + ":" + m.function() + ":" + m.of()).toList());
        BamImportException refused = assertThrows(BamImportException.class,
                () -> importResource("rta-without-time.xml", Naming.BIZTALK, Map.of()));
        assertTrue(refused.problems().get(0).matches(".*rta-without-time.xml line \\d+: <RealTimeAggregation Name=\"POByLocation\">:"
                + " has no time dimension .*BizTalk requires one in a real-time aggregation"), refused.problems().toString());
    }

    @Test
    void namesMapByTheRuleAndKeepTheirBamNames() throws Exception {
        BamImport.Result result = importResource("unicode-names.xml", Naming.BIZTALK, Map.of("Номер", "Nomer"));
        ActivityDefinition a = result.activities().get(0);
        // 40 characters, over biztalk naming's 37: cut to 28, then _ and 8 hex digits of its hash
        assertEquals(37, a.name().length(), a.name());
        assertTrue(a.name().startsWith("Bestellubersicht_Europa_mit__"), a.name());
        assertEquals("Bestellübersicht Europa mit Lieferstatus", a.bamName());
        assertEquals(List.of("Eingang", "Kunde_Strasse", "Grosse", "N_Intern", "AEro_Olbryggeri",
                "Zeitpunkt_der_letzten_Anderung_der_Lief_084a698c", "Nomer"), a.items().stream().map(ItemDefinition::name).toList());
        assertEquals("Kunde Straße", a.itemBamName("Kunde_Strasse"));
        assertEquals("Номер", a.itemBamName("Nomer"));
        assertTrue(result.renamed().contains("checkpoint 'Größe' of activity 'Bestellübersicht Europa mit Lieferstatus' -> Grosse"),
                result.renamed().toString());
        // the same file under our naming: 46 characters fit the activity name whole
        assertEquals("Bestellubersicht_Europa_mit_Lieferstatus",
                importResource("unicode-names.xml", Naming.BAMBUS, Map.of("Номер", "Nomer")).activities().get(0).name());
    }

    @Test
    void aNameWithNoLatinLetterNeedsARename() {
        BamImportException e = assertThrows(BamImportException.class,
                () -> importResource("unicode-names.xml", Naming.BIZTALK, Map.of()));
        assertEquals(List.of("unicode-names.xml line 10: <Checkpoint Name=\"Номер\"> of activity 'Bestellübersicht Europa mit"
                + " Lieferstatus': the checkpoint name 'Номер' has no Latin letter or digit to make an identifier of;"
                + " name it with --rename 'Номер=SomeName'"), e.problems());
    }

    @Test
    void importedDefinitionsWriteAndReadBackAsTheSameDefinitions() throws Exception {
        BamImport.Result result = importResource("logistics.xml", Naming.BIZTALK, Map.of());
        String yaml = DefinitionFile.toYaml(result.activities(), result.report("logistics.xml"));
        assertTrue(yaml.startsWith("# Imported from the BizTalk BAM definition logistics.xml"), yaml);
        assertEquals(result.activities(), DefinitionFile.parse("definitions.yaml", yaml));
        ActivityDefinition shipment = result.activities().get(0);
        assertEquals("Shipment_Tracking", shipment.name());
        assertEquals(List.of(new IndexDefinition("By_Carrier", List.of("Carrier", "Tracking_Number"), "By Carrier")), shipment.indexes());
        assertEquals(shipment, DefinitionFile.fromJson("record", DefinitionFile.toJson(shipment)));
    }

    @Test
    void entityExpansionIsRefusedBeforeAnythingExpands() {
        BamImportException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> refused("billion-laughs.xml"));
        assertEquals("billion-laughs.xml line 2: a DOCTYPE declaration is not allowed (it could define entities that expand or"
                + " read other files; BAM definition files have none); remove the <!DOCTYPE …> block", e.getMessage());
    }

    @Test
    void deepNestingIsRefusedWithAMessageNotAStackOverflow() {
        String deep = "<BAMDefinition xmlns=\"" + BamImport.NAMESPACE + "\">" + "<Extension>".repeat(50_000)
                + "</Extension>".repeat(50_000) + "</BAMDefinition>";
        BamImportException e = assertThrows(BamImportException.class, () -> BamImport.read("deep.xml",
                new java.io.ByteArrayInputStream(deep.getBytes(java.nio.charset.StandardCharsets.UTF_8)), Naming.BIZTALK, Map.of()));
        assertTrue(e.getMessage().startsWith("deep.xml"), e.getMessage());
    }

    @Test
    void externalEntitiesAreRefusedAndNothingIsRead() {
        BamImportException e = refused("external-entity.xml");
        assertTrue(e.getMessage().startsWith("external-entity.xml line 2: a DOCTYPE declaration is not allowed"), e.getMessage());
        assertTrue(!e.getMessage().contains("root:"), e.getMessage());
    }

    @Test
    void anIndexOnAnUnknownCheckpointIsRefused() {
        assertEquals("broken-index-reference.xml line 8: <CheckpointRef>Region</CheckpointRef> of index 'ByRegion' of activity"
                + " 'Order' names no checkpoint of that activity; its checkpoint IDs are [Received, Customer]. Correct the"
                + " reference or add the checkpoint", refused("broken-index-reference.xml").getMessage());
    }

    @Test
    void aViewOnAnUnknownCheckpointIsRefused() {
        assertEquals("broken-view-reference.xml line 9: <CheckpointRef>Shipped</CheckpointRef> of alias 'ShippedTime' in view"
                + " 'OrderView' names no checkpoint of activity 'Order'; correct the reference or remove the alias",
                refused("broken-view-reference.xml").getMessage());
    }

    @Test
    void duplicateNamesAreRefused() {
        assertEquals("duplicate-checkpoint.xml line 5: <Checkpoint Name=\"received\"> of activity 'Order': checkpoint 'received'"
                + " is defined twice (also at line 4); BAM names are case-insensitive. Remove or rename one",
                refused("duplicate-checkpoint.xml").getMessage());
    }

    @Test
    void namesThatCollideOnceMappedAreRefusedNamingBoth() throws Exception {
        assertEquals("collision.xml line 5: <Checkpoint Name=\"Order_Date\"> of activity 'Order': the checkpoint names 'Order Date'"
                + " and 'Order_Date' both become 'Order_Date' (names are case-insensitive); give one another name with"
                + " --rename 'Order_Date=OtherName'", refused("collision.xml").getMessage());
        ActivityDefinition renamed = importResource("collision.xml", Naming.BIZTALK, Map.of("Order_Date", "OrderDate2")).activities().get(0);
        assertEquals("Order_Date", renamed.itemBamName("OrderDate2"));
    }

    @Test
    void namesOverBamsLimitsAreRefused() {
        assertEquals("name-too-long.xml line 3: <Activity Name=\"ThisActivityNameIsLongerThanTheFortyEightBAMAllows\">: the name is"
                + " 50 characters long; BAM allows at most 48 for the name of <Activity>, so this file was not made by BAM."
                + " Shorten the name", refused("name-too-long.xml").getMessage());
    }

    @Test
    void xmlThatIsNotABamDefinitionIsRefused() {
        assertTrue(refused("not-bam.xml").getMessage().startsWith("not-bam.xml line 2: is not a BAM definition: its root element is"
                + " <InterceptorConfiguration> in namespace http://schemas.microsoft.com/BizTalkServer/2004/10/BAM/InterceptorConfiguration;"
                + " expected <BAMDefinition xmlns=\"http://schemas.microsoft.com/BizTalkServer/2004/10/BAM\">"));
        assertEquals("wrong-namespace.xml line 2: <BAMDefinition> is in namespace 'urn:schemas-microsoft-com:BAM'; a BAM"
                + " definition's is 'http://schemas.microsoft.com/BizTalkServer/2004/10/BAM'. Export it again with bm.exe"
                + " get-defxml, or correct its xmlns", refused("wrong-namespace.xml").getMessage());
        assertTrue(refused("not-well-formed.xml").getMessage().startsWith("not-well-formed.xml line 5: is not well-formed XML"));
    }

    @Test
    void theNamingRuleInOneLook() {
        assertEquals("Purchase_Order", BamNames.identifier("Purchase Order", 48));
        assertEquals("Creme_brulee", BamNames.identifier("Crème brûlée", 48));
        assertEquals("N_9", BamNames.identifier("_9", 48));
        assertEquals("Kunden_", BamNames.identifier("Kunden日本", 48).substring(0, 7));
        assertNull(BamNames.identifier("日本", 48));
        String cut = BamNames.identifier("A".repeat(60), 48);
        assertEquals("A".repeat(39) + "_" + cut.substring(40), cut);
        assertEquals(48, cut.length());
    }
}
