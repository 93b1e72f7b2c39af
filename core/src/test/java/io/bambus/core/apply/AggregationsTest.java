package io.bambus.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.aggregate.AggregationRebuild;
import io.bambus.core.aggregate.AggregationTable;
import io.bambus.core.event.EventStream;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.testing.BusFixture;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
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
 * Real-time aggregations (issue 27, item 2): seeded-random instances change over several batches
 * (their area, amount and decision move them between rows), one batch fails after its writes and
 * is applied again; every aggregation row then equals the same aggregate computed here with GROUP
 * BY over the activity tables, and a rebuild from the tables gives the same rows.
 */
class AggregationsTest {

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
                  - { name: Weight, type: float }
                views:
                  - name: Desk
                    aliases:
                      - { name: FiledAt, items: [Filed] }
                      - { name: DecidedAt, items: [Approved, Rejected] }
                      - { name: Claimed, items: [Amount] }
                      - { name: Area, items: [Region] }
                      - { name: Kilos, items: [Weight] }
                    durations:
                      - { name: DecisionHours, from: FiledAt, to: DecidedAt, resolution: hour }
                    aggregations:
                      - name: ByArea
                        time: { alias: FiledAt, levels: [day, hour] }
                        dimensions:
                          - { name: Place, levels: [Area] }
                          - { name: Size, alias: Claimed, ranges: [ { name: small, below: 1000 }, { name: medium, below: 50000 }, { name: large } ] }
                          - { name: Progress, stages: [ { name: Filed, alias: FiledAt }, { name: Decided, alias: DecidedAt } ] }
                        measures:
                          - { name: Claims, function: count }
                          - { name: Total, function: sum, of: Claimed }
                          - { name: Mass, function: sum, of: Kilos }
                          - { name: Decision, function: avg, of: DecisionHours }
                        window: 3650d
                        slice: 30m
            """;

    /** The aggregation computed independently, in SQL, over both tables of the activity. */
    private static final String EXPECTED = """
            SELECT DATE_ADD('1970-01-01', INTERVAL TIMESTAMPDIFF(MINUTE, '1970-01-01', Filed) DIV 30 * 30 MINUTE) AS Slice,
                   DAY(Filed) AS `Day`, HOUR(Filed) AS `Hour`, Region COLLATE utf8mb4_bin AS Area,
                   CASE WHEN Amount IS NULL THEN NULL WHEN Amount < 1000 THEN 'small' WHEN Amount < 50000 THEN 'medium'
                        ELSE 'large' END AS Size,
                   CASE WHEN COALESCE(Approved, Rejected) IS NOT NULL THEN 'Decided' ELSE 'Filed' END AS Progress,
                   COUNT(*) AS Instances, COUNT(*) AS Claims, COALESCE(SUM(Amount), 0) AS Total,
                   COALESCE(SUM(Weight), 0) AS Mass,
                   COALESCE(SUM(TIMESTAMPDIFF(MICROSECOND, Filed, COALESCE(Approved, Rejected)) / 3600e6), 0) AS Decision,
                   COUNT(TIMESTAMPDIFF(MICROSECOND, Filed, COALESCE(Approved, Rejected))) AS Decision_Count
            FROM (SELECT Filed, Approved, Rejected, Amount, Region, Weight FROM %s
                  UNION ALL SELECT Filed, Approved, Rejected, Amount, Region, Weight FROM %s) t
            WHERE Filed IS NOT NULL
            GROUP BY 1, 2, 3, 4, 5, 6""";

    private static final List<String> COLUMNS = List.of("Slice", "Day", "Hour", "Area", "Size", "Progress", "Instances", "Claims",
            "Total", "Mass", "Decision", "Decision_Count");

    @ParameterizedTest
    @ValueSource(strings = {"bambus", "biztalk"})
    void everyAggregationRowEqualsTheGroupByOverTheTablesThroughChangesAFailedBatchAndARebuild(String naming)
            throws Exception {
        long seed = System.nanoTime();
        System.out.println("AggregationsTest seed " + seed + " (naming: " + naming + ")");
        Random random = new Random(seed);
        boolean biztalk = naming.equals("biztalk");
        try (BusFixture bus = new BusFixture(DEFINITIONS.formatted(naming))) {
            String table = biztalk ? "bam_Desk_ByArea_RTATable" : "bam_Desk_ByArea_rta";
            String expected = EXPECTED.formatted(biztalk ? "bam_Claim_Active" : "bam_Claim_active",
                    biztalk ? "bam_Claim_Completed" : "bam_Claim_completed");
            Instant base = Instant.parse("2026-03-01T00:00:00Z");
            List<String> open = new ArrayList<>();
            int next = 0;
            for (int round = 0; round < 6; round++) {
                try (EventStream events = EventStream.on(bus.source)) {
                    for (int i = 0; i < 40; i++) {
                        String id = "C-" + next++;
                        events.beginActivity("Claim", id);
                        open.add(id);
                    }
                    for (int i = 0; i < 120 && !open.isEmpty(); i++) {
                        String id = open.get(random.nextInt(open.size()));
                        Map<String, Object> items = new LinkedHashMap<>();
                        switch (random.nextInt(6)) {
                            case 0 -> items.put("Filed", base.plus(random.nextInt(200_000), ChronoUnit.SECONDS));
                            case 1 -> items.put(random.nextBoolean() ? "Approved" : "Rejected",
                                    base.plus(random.nextInt(400_000), ChronoUnit.SECONDS).plusMillis(random.nextInt(1000)));
                            case 2 -> items.put("Amount", BigDecimal.valueOf(random.nextInt(10_000_000), 2));
                            case 3 -> items.put("Region", List.of("north", "south", "east", "west").get(random.nextInt(4)));
                            case 4 -> items.put("Weight", random.nextDouble() * 100);
                            default -> {
                                events.endActivity("Claim", id);
                                open.remove(id);
                            }
                        }
                        if (!items.isEmpty()) {
                            events.updateActivity("Claim", id, items);
                        }
                    }
                }
                if (round == 3) {
                    // a batch that fails after its writes (its checkpoint refused): nothing of it may count
                    bus.execute(bus.destination, "CREATE TRIGGER refuse_checkpoint BEFORE UPDATE ON bam_checkpoints FOR EACH ROW"
                            + " BEGIN IF NEW.batch_no > OLD.batch_no THEN"
                            + " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF; END");
                    try {
                        assertThrows(SQLException.class, bus::moveAll, "the batch fails at its checkpoint");
                    } finally {
                        bus.execute(bus.destination, "DROP TRIGGER refuse_checkpoint");
                    }
                }
                bus.moveAll();
                same(rows(bus, expected), rows(bus, "SELECT * FROM " + table), "after round " + round);
            }
            Map<String, Map<String, Object>> incremental = rows(bus, "SELECT * FROM " + table);
            assertTrue(incremental.size() > 20, "the instances spread over many rows: " + incremental.size());
            var activity = DefinitionFile.parse("d", DEFINITIONS.formatted(naming)).get(0);
            AggregationRebuild.rebuild(bus.destination, AggregationTable.of(activity).get(0), activity);
            same(incremental, rows(bus, "SELECT * FROM " + table), "a rebuild gives what incremental maintenance gave");
            String rtaView = biztalk ? "bam_Desk_ByArea_RTAView" : "bam_Desk_ByArea_rta_view";
            assertEquals(String.valueOf(incremental.values().stream().mapToLong(r -> ((Number) r.get("Claims")).longValue()).sum()),
                    bus.one(bus.destination, "SELECT SUM(Claims) FROM " + rtaView), "the query view shows the window's rows");
        }
    }

    @org.junit.jupiter.api.Test
    void aRebuildWhileBatchesKeepCommittingEndsEqualToTheGroupBy() throws Exception {
        long seed = System.nanoTime();
        System.out.println("AggregationsTest (rebuild under load) seed " + seed);
        Random random = new Random(seed);
        try (BusFixture bus = new BusFixture(DEFINITIONS.formatted("bambus"))) {
            var activity = DefinitionFile.parse("d", DEFINITIONS.formatted("bambus")).get(0);
            java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicInteger batches = new java.util.concurrent.atomic.AtomicInteger();
            Instant base = Instant.parse("2026-03-01T00:00:00Z");
            Thread writer = new Thread(() -> {
                try {
                    for (int round = 0; round < 30; round++) {
                        try (EventStream events = EventStream.on(bus.source)) {
                            for (int i = 0; i < 20; i++) {
                                String id = "R-" + random.nextInt(150);
                                events.updateActivity("Claim", id, Map.of("Filed", base.plus(random.nextInt(100_000),
                                        ChronoUnit.SECONDS), "Region", List.of("north", "south").get(random.nextInt(2)),
                                        "Amount", BigDecimal.valueOf(random.nextInt(100_000), 2)));
                            }
                        }
                        bus.moveAll();
                        batches.incrementAndGet();
                    }
                } catch (Exception e) {
                    failed.set(e);
                }
            }, "writer");
            writer.start();
            int rebuilds = 0;
            while (writer.isAlive()) {
                AggregationRebuild.rebuild(bus.destination, AggregationTable.of(activity).get(0), activity);
                rebuilds++;
            }
            writer.join();
            if (failed.get() != null) {
                throw failed.get();
            }
            assertTrue(rebuilds > 3 && batches.get() == 30, rebuilds + " rebuilds while " + batches.get() + " rounds committed");
            same(rows(bus, EXPECTED.formatted("bam_Claim_active", "bam_Claim_completed")),
                    rows(bus, "SELECT * FROM bam_Desk_ByArea_rta"), "after " + rebuilds + " rebuilds under load");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Min", "Max"})
    void minAndMaxAreRefusedWithTheReason(String function) {
        String definitions = DEFINITIONS.formatted("bambus").replace("function: sum, of: Kilos", "function: " + function
                + ", of: Kilos");
        var problems = assertThrows(io.bambus.core.activity.DefinitionException.class,
                () -> DefinitionFile.parse("defs.yaml", definitions)).problems();
        assertTrue(problems.get(0).startsWith("defs.yaml: activity 'Claim', view 'Desk', aggregation 'ByArea', measure 'Mass':"
                + " function " + function.toLowerCase() + " is refused, as BizTalk refuses it in a real-time aggregation"),
                problems.toString());
    }

    @org.junit.jupiter.api.Test
    void whatBizTalkRefusesInARealTimeAggregationIsRefusedNamingTheAggregation() {
        String base = DEFINITIONS.formatted("bambus");
        var noTime = assertThrows(io.bambus.core.activity.DefinitionException.class, () -> DefinitionFile.parse("defs.yaml",
                base.replace("time: { alias: FiledAt, levels: [day, hour] }", "window: 1d"))).problems();
        assertTrue(noTime.toString().contains("aggregation 'ByArea': 'time' is missing; a real-time aggregation needs a time"
                + " dimension, as in BizTalk"), noTime.toString());
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            many.append("          - { name: D").append(i).append(", stages: [ { name: S, alias: FiledAt } ] }\n");
        }
        var tooMany = assertThrows(io.bambus.core.activity.DefinitionException.class, () -> DefinitionFile.parse("defs.yaml",
                base.replace("            dimensions:\n", "            dimensions:\n"
                        + many.toString().replace("          - {", "              - {")))).problems();
        assertTrue(tooMany.toString().contains("aggregation 'ByArea': 17 dimension levels; BizTalk allows at most 14"),
                tooMany.toString());
        String second = base + """
                      - name: Desk2
                        aliases:
                          - { name: FiledAt, items: [Filed] }
                        aggregations:
                          - { name: Other, time: { alias: FiledAt, levels: [day] }, measures: [ { name: N, function: count } ] }
                """;
        var two = assertThrows(io.bambus.core.activity.DefinitionException.class,
                () -> DefinitionFile.parse("defs.yaml", second)).problems();
        assertTrue(two.toString().contains("activity 'Claim': has 2 real-time aggregations; BizTalk allows one per activity"),
                two.toString());
    }

    @org.junit.jupiter.api.Test
    void theArchiveDutyPurgesSlicesOlderThanTheWindowAndTheQueryViewHidesThem() throws Exception {
        String definitions = DEFINITIONS.formatted("bambus").replace("window: 3650d", "window: 2h");
        try (BusFixture bus = new BusFixture(definitions)) {
            try (EventStream events = EventStream.on(bus.source)) {
                events.updateActivity("Claim", "old", Map.of("Filed", Instant.now().minus(3, ChronoUnit.HOURS)))
                        .updateActivity("Claim", "new", Map.of("Filed", Instant.now().minus(30, ChronoUnit.MINUTES)));
            }
            bus.moveAll();
            assertEquals(2, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_Desk_ByArea_rta"));
            assertEquals("1", bus.one(bus.destination, "SELECT SUM(Claims) FROM bam_Desk_ByArea_rta_view"), "the view: the window");
            new io.bambus.core.archive.Archiver(bus.destination).purgeAggregations(100, () -> true);
            assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_Desk_ByArea_rta"), "the old slice purged");
            assertEquals("1", bus.one(bus.destination, "SELECT SUM(Claims) FROM bam_Desk_ByArea_rta_view"));
        }
    }

    @org.junit.jupiter.api.Test
    void aDeploymentRedoesARebuildThatDidNotFinish() throws Exception {
        try (BusFixture bus = new BusFixture(DEFINITIONS.formatted("bambus"))) {
            try (EventStream events = EventStream.on(bus.source)) {
                for (int i = 0; i < 20; i++) {
                    events.updateActivity("Claim", "D-" + i, Map.of("Filed", Instant.now().minus(i, ChronoUnit.MINUTES),
                            "Region", i % 2 == 0 ? "north" : "south"));
                }
            }
            bus.moveAll();
            String expected = EXPECTED.formatted("bam_Claim_active", "bam_Claim_completed");
            // a rebuild cut short: the rows gone and no record of a finished build
            bus.execute(bus.destination, "DELETE FROM bam_Desk_ByArea_rta");
            bus.execute(bus.destination, "DELETE FROM bam_aggregation_builds");
            new ActivityDeployer(bus.destination).deploy(DefinitionFile.parse("d", DEFINITIONS.formatted("bambus")));
            same(rows(bus, expected), rows(bus, "SELECT * FROM bam_Desk_ByArea_rta"), "after the next deployment");
            assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_aggregation_builds"));
        }
    }

    /** Rows by their dimension values (the DimKey is the bus's own), measures as numbers. */
    private static Map<String, Map<String, Object>> rows(BusFixture bus, String sql) throws SQLException {
        Map<String, Map<String, Object>> rows = new TreeMap<>();
        try (Connection connection = bus.destination.getConnection();
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            while (result.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (String column : COLUMNS) {
                    Object value = result.getObject(column);
                    // a slice as DATETIME or as the expected query's text: one form to compare
                    row.put(column, value instanceof java.time.LocalDateTime time ? time.toString().replace('T', ' ')
                            + (time.getSecond() == 0 && time.getNano() == 0 ? ":00" : "") : value);
                }
                rows.put(String.valueOf(new ArrayList<>(row.values()).subList(0, 6)), row);
            }
        }
        return rows;
    }

    private static void same(Map<String, Map<String, Object>> expected, Map<String, Map<String, Object>> actual, String when) {
        List<String> differences = new ArrayList<>();
        for (String key : expected.keySet()) {
            if (!actual.containsKey(key)) {
                differences.add("missing row " + key);
            }
        }
        for (String key : actual.keySet()) {
            if (!expected.containsKey(key)) {
                differences.add("extra row " + key + " " + actual.get(key));
            }
        }
        for (Map.Entry<String, Map<String, Object>> row : expected.entrySet()) {
            Map<String, Object> got = actual.get(row.getKey());
            if (got == null) {
                continue;
            }
            for (String column : COLUMNS.subList(6, COLUMNS.size())) {
                Object want = row.getValue().get(column);
                Object have = got.get(column);
                boolean equal = want instanceof Number w && have instanceof Number h
                        ? (want instanceof BigDecimal || have instanceof BigDecimal) && !(want instanceof Double)
                        && !(have instanceof Double) ? new BigDecimal(w.toString()).compareTo(new BigDecimal(h.toString())) == 0
                        : Math.abs(w.doubleValue() - h.doubleValue()) <= 1e-6 * Math.max(1, Math.abs(w.doubleValue()))
                        : Objects.equals(want, have);
                if (!equal) {
                    differences.add(row.getKey() + "." + column + ": GROUP BY gives " + want + ", the aggregation has " + have);
                }
            }
        }
        assertTrue(differences.isEmpty(), when + ": " + differences.size() + " differences, first "
                + differences.stream().limit(5).toList());
    }
}
