package io.bambus.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.event.EventStream;
import io.bambus.core.testing.BusFixture;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Activity views (issue 27, item 1): events on seeded-random instances move through the applier;
 * then every row of the view's three objects equals the view's expression computed here from the
 * activity tables' rows: a two-item alias is the first item with a value, a duration is the
 * difference in its resolution (null while an end is null), active rows are the visible ones.
 */
class ActivityViewsTest {

    private static final String DEFINITIONS = """
            naming: %s
            activities:
              - name: Claim
                items:
                  - { name: Filed, type: milestone }
                  - { name: Approved, type: milestone }
                  - { name: Rejected, type: milestone }
                  - { name: Amount, type: decimal, precision: 18, scale: 2 }
                  - { name: Region, type: text, length: 20 }
                views:
                  - name: Adjusters
                    aliases:
                      - { name: FiledAt, items: [Filed] }
                      - { name: DecidedAt, items: [Approved, Rejected] }
                      - { name: Claimed, items: [Amount] }
                      - { name: Area, items: [Region] }
                    durations:
                      - { name: DecisionHours, from: FiledAt, to: DecidedAt, resolution: hour }
                      - { name: DecisionMillis, from: FiledAt, to: DecidedAt, resolution: millisecond }
                      - { name: DecisionDays, from: FiledAt, to: DecidedAt, resolution: day }
            """;

    /** The durations in the view's order, with the microseconds in their resolution's unit. */
    private static final List<Map.Entry<String, Long>> MICROS = List.of(Map.entry("DecisionHours", 3_600_000_000L),
            Map.entry("DecisionMillis", 1_000L), Map.entry("DecisionDays", 86_400_000_000L));

    @ParameterizedTest
    @ValueSource(strings = {"bambus", "biztalk"})
    void everyViewRowIsTheViewsExpressionOverTheActivityTables(String naming) throws Exception {
        long seed = System.nanoTime();
        System.out.println("ActivityViewsTest seed " + seed + " (naming: " + naming + ")");
        Random random = new Random(seed);
        try (BusFixture bus = new BusFixture(DEFINITIONS.formatted(naming))) {
            Instant base = Instant.parse("2026-01-01T00:00:00Z");
            try (EventStream events = EventStream.on(bus.source)) {
                for (int i = 0; i < 300; i++) {
                    String id = "C-" + i;
                    events.beginActivity("Claim", id);
                    Map<String, Object> items = new LinkedHashMap<>();
                    if (random.nextInt(10) > 0) {
                        items.put("Filed", base.plus(random.nextInt(1_000_000_000), ChronoUnit.MILLIS));
                    }
                    int decision = random.nextInt(4); // none, approved, rejected, both (the alias shows Approved)
                    if (decision == 1 || decision == 3) {
                        items.put("Approved", base.plus(random.nextInt(2_000_000_000), ChronoUnit.MILLIS).plusNanos(1_000L
                                * random.nextInt(1000)));
                    }
                    if (decision >= 2) {
                        items.put("Rejected", base.plus(random.nextInt(2_000_000_000), ChronoUnit.MILLIS));
                    }
                    if (random.nextBoolean()) {
                        items.put("Amount", BigDecimal.valueOf(random.nextInt(10_000_000), 2));
                    }
                    if (random.nextBoolean()) {
                        items.put("Region", List.of("north", "south", "east", "west").get(random.nextInt(4)));
                    }
                    if (!items.isEmpty()) {
                        events.updateActivity("Claim", id, items);
                    }
                    if (random.nextInt(3) == 0) {
                        events.endActivity("Claim", id);
                    }
                }
            }
            bus.moveAll();
            boolean biztalk = naming.equals("biztalk");
            String active = biztalk ? "bam_Claim_Active" : "bam_Claim_active";
            String completed = biztalk ? "bam_Claim_Completed" : "bam_Claim_completed";
            String prefix = "bam_Adjusters_Claim_";
            Map<String, Map<String, Object>> activeRows = expected(bus, "SELECT * FROM " + active + " WHERE IsVisible = 1");
            Map<String, Map<String, Object>> completedRows = expected(bus, "SELECT * FROM " + completed);
            assertTrue(activeRows.size() > 100 && completedRows.size() > 50, "both states have instances: " + activeRows.size()
                    + " active, " + completedRows.size() + " completed");
            Map<String, Map<String, Object>> all = new TreeMap<>(activeRows);
            all.putAll(completedRows);
            assertEquals(300, all.size(), "every instance is in one of the tables");
            same(activeRows, rows(bus, "SELECT * FROM " + prefix + (biztalk ? "ActiveView" : "active_view")));
            same(completedRows, rows(bus, "SELECT * FROM " + prefix + (biztalk ? "CompletedView" : "completed_view")));
            same(all, rows(bus, "SELECT * FROM " + prefix + (biztalk ? "View" : "view")));
        }
    }

    @org.junit.jupiter.api.Test
    void aViewIsAddedRenamedAndDroppedOnADeployedActivityWithoutTouchingItsRows() throws Exception {
        String plain = "activities: [ { name: Claim, items: [ { name: Filed, type: milestone }, { name: Amount, type: float } ] } ]";
        try (BusFixture bus = new BusFixture(plain)) {
            try (EventStream events = EventStream.on(bus.source)) {
                events.beginActivity("Claim", "C-1").updateActivity("Claim", "C-1", "Amount", 12.5);
            }
            bus.moveAll();
            io.bambus.core.schema.ActivityDeployer deployer = new io.bambus.core.schema.ActivityDeployer(bus.destination);
            String withView = plain.replace("] } ]", "], views: [ { name: %s, aliases: [ { name: Money, items: [Amount] } ] } ] } ]");
            deployer.deploy(io.bambus.core.activity.DefinitionFile.parse("v1", withView.formatted("Desk")));
            assertEquals("12.5", bus.one(bus.destination, "SELECT Money FROM bam_Desk_Claim_view WHERE ActivityID = 'C-1'"));
            deployer.deploy(io.bambus.core.activity.DefinitionFile.parse("v2", withView.formatted("Office")));
            assertEquals("12.5", bus.one(bus.destination, "SELECT Money FROM bam_Office_Claim_active_view"));
            assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM information_schema.views WHERE table_schema = DATABASE()"
                    + " AND table_name LIKE 'bam\\_Desk\\_%'"), "the renamed view's objects are gone");
            deployer.deploy(io.bambus.core.activity.DefinitionFile.parse("v3", plain));
            assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM information_schema.views WHERE table_schema = DATABASE()"
                    + " AND table_name LIKE 'bam\\_Office\\_%'"), "a view taken out of the definitions is dropped");
            assertEquals("12.5", bus.one(bus.destination, "SELECT Amount FROM bam_Claim_active WHERE ActivityID = 'C-1'"));
        }
    }

    /** The view's expression, computed here from an activity table's rows. */
    private static Map<String, Map<String, Object>> expected(BusFixture bus, String sql) throws Exception {
        Map<String, Map<String, Object>> result = new TreeMap<>();
        for (Map<String, Object> row : rows(bus, sql).values()) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("ActivityID", row.get("ActivityID"));
            view.put("FiledAt", row.get("Filed"));
            view.put("DecidedAt", row.get("Approved") != null ? row.get("Approved") : row.get("Rejected"));
            view.put("Claimed", row.get("Amount"));
            view.put("Area", row.get("Region"));
            for (Map.Entry<String, Long> duration : MICROS) {
                LocalDateTime from = (LocalDateTime) view.get("FiledAt");
                LocalDateTime to = (LocalDateTime) view.get("DecidedAt");
                view.put(duration.getKey(), from == null || to == null ? null
                        : (double) ChronoUnit.MICROS.between(from, to) / duration.getValue());
            }
            view.put("LastModified", row.get("LastModified"));
            result.put((String) row.get("ActivityID"), view);
        }
        return result;
    }

    private static Map<String, Map<String, Object>> rows(BusFixture bus, String sql) throws Exception {
        Map<String, Map<String, Object>> rows = new TreeMap<>();
        try (Connection connection = bus.destination.getConnection();
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            ResultSetMetaData meta = result.getMetaData();
            while (result.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), result.getObject(i));
                }
                rows.put(result.getString("ActivityID"), row);
            }
        }
        return rows;
    }

    private static void same(Map<String, Map<String, Object>> expected, Map<String, Map<String, Object>> actual) {
        assertEquals(expected.keySet(), actual.keySet(), "the view has exactly the instances");
        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> row : expected.entrySet()) {
            Map<String, Object> got = actual.get(row.getKey());
            assertEquals(new ArrayList<>(row.getValue().keySet()), new ArrayList<>(got.keySet()), "the view's columns, in order");
            row.getValue().forEach((column, value) -> {
                Object other = got.get(column);
                boolean equal = value instanceof Double d && other instanceof Number n
                        ? Math.abs(d - n.doubleValue()) <= 1e-9 * Math.max(1, Math.abs(d))
                        : Objects.equals(value, other);
                if (!equal) {
                    differences.add(row.getKey() + "." + column + ": expected " + value + ", the view has " + other);
                }
            });
        }
        assertTrue(differences.isEmpty(), differences.size() + " differences, first " + differences.stream().limit(5).toList());
    }
}
