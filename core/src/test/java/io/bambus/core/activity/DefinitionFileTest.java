package io.bambus.core.activity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DefinitionFileTest {

    private static String problems(String yaml) {
        return String.join("\n", assertThrows(DefinitionException.class, () -> DefinitionFile.parse("defs.yaml", yaml)).problems());
    }

    @Test
    void validFileParsesEveryItemType() {
        List<ActivityDefinition> activities = DefinitionFile.parse("defs.yaml", """
                activities:
                  - name: Order
                    items:
                      - { name: Placed, type: milestone }
                      - { name: Customer, type: text, length: 50 }
                      - { name: Lines, type: integer }
                      - { name: Total, type: decimal, precision: 12, scale: 3 }
                      - { name: Score, type: float }
                      - { name: Due, type: timestamp }
                """);
        assertEquals(1, activities.size());
        ActivityDefinition order = activities.get(0);
        assertEquals(List.of("DATETIME(6)", "VARCHAR(50)", "BIGINT", "DECIMAL(12,3)", "DOUBLE", "DATETIME(6)"),
                order.items().stream().map(ItemDefinition::sqlType).toList());
        assertEquals(order, DefinitionFile.fromJson("stored", DefinitionFile.toJson(order)), "the stored form round-trips");
    }

    @Test
    void reservedItemNameIsRefusedNamingFileActivityAndItem() {
        String p = problems("activities: [ { name: Order, items: [ { name: IsComplete, type: integer } ] } ]");
        assertTrue(p.contains("defs.yaml: activity 'Order', item 'IsComplete': name is reserved"), p);
    }

    @Test
    void tooLongAndMalformedNamesAreRefusedWithTheRule() {
        String p = problems("activities: [ { name: Order, items: [ { name: " + "a".repeat(49) + ", type: integer },"
                + " { name: 'bad-name', type: integer } ] },"
                + " { name: " + "B".repeat(47) + ", items: [ { name: x, type: float } ] } ]");
        assertTrue(p.contains("item '" + "a".repeat(49) + "': name is 49 characters long, the limit is 48"), p);
        assertTrue(p.contains("item 'bad-name': name must match [A-Za-z][A-Za-z0-9_]*"), p);
        assertTrue(p.contains("activity '" + "B".repeat(47) + "': name is 47 characters long, the limit is 46"), p);
    }

    @Test
    void typeProblemsNameTheAllowedValues() {
        String p = problems("""
                activities:
                  - name: Order
                    items:
                      - { name: A, type: text }
                      - { name: B, type: blob }
                      - { name: C, type: decimal, precision: 5, scale: 6 }
                      - { name: D, type: integer, length: 4 }
                      - { name: E, type: integer, colour: red }
                      - { name: e, type: float }
                """);
        assertTrue(p.contains("item 'A': a text item needs 'length' between 1 and 4000"), p);
        assertTrue(p.contains("item 'B': 'type' must be one of milestone, text, integer, decimal, float, timestamp (found 'blob')"), p);
        assertTrue(p.contains("item 'C': 'scale' must be between 0 and the precision (5)"), p);
        assertTrue(p.contains("item 'D': 'length' does not apply to a integer item"), p);
        assertTrue(p.contains("unknown key 'colour'"), p);
        assertTrue(p.contains("item 'e': defined twice"), p);
    }

    @Test
    void aViewsProblemsNameTheViewTheAliasOrTheDurationAndTheFix() {
        String head = "activities: [ { name: Claim, items: [ { name: Filed, type: milestone }, { name: Amount, type: float },"
                + " { name: Note, type: text, length: 9 } ], views: [ ";
        String p = problems(head + "{ name: V, aliases: [ { name: A, items: [Filed, Amount] }, { name: B, items: [Nope] },"
                + " { name: LastModified, items: [Note] }, { name: Money, items: [Amount] } ],"
                + " durations: [ { name: D, from: A, to: Money, resolution: hour }, { name: E, from: A, to: A, resolution: week },"
                + " { name: money, from: A, to: A, resolution: day } ] } ] } ]");
        assertTrue(p.contains("activity 'Claim', view 'V', alias 'A': item 'Amount' is float and 'Filed' is milestone; the items of"
                + " one alias must be of one type"), p);
        assertTrue(p.contains("alias 'B': names item 'Nope', which the activity does not have; its items are [Filed, Amount, Note]"), p);
        assertTrue(p.contains("alias 'LastModified': name is one of the view's own columns (ActivityID, LastModified)"), p);
        p = problems(head + "{ name: V, aliases: [ { name: A, items: [Filed] }, { name: Money, items: [Amount] } ],"
                + " durations: [ { name: D, from: A, to: Money, resolution: hour }, { name: E, from: A, to: A, resolution: week },"
                + " { name: money, from: A, to: A, resolution: day } ] } ] } ]");
        assertTrue(p.contains("duration 'D': 'to' names alias 'Money', which holds float items; a duration runs between two"
                + " aliases of milestone or timestamp items"), p);
        assertTrue(p.contains("duration 'E': 'resolution' must be one of [millisecond, second, minute, hour, day] (found 'week')"), p);
        assertTrue(p.contains("duration 'money': name is used twice in the view"), p);
        p = problems(head + "{ name: " + "W".repeat(40) + ", aliases: [ { name: A, items: [Filed] } ] } ] } ]");
        assertTrue(p.contains("would be 65 characters, MySQL allows 64; shorten the view's name to at most 39 characters"), p);
        p = problems("activities: [ { name: A_B, items: [ { name: x, type: float } ], views: [ { name: V, aliases: [ { name: y,"
                + " items: [x] } ] } ] }, { name: B, items: [ { name: x, type: float } ], views: [ { name: V_A, aliases: [ { name: y,"
                + " items: [x] } ] } ] } ]");
        assertTrue(p.contains("its view makes bam_V_A_B_view, which a view of activity 'A_B' makes too; rename one of the views"), p);
    }

    @Test
    void structuralProblemsAreNamed() {
        assertTrue(problems("foo: 1").contains("must have a top-level key 'activities'"));
        assertTrue(problems("activities: [ { name: X } ]").contains("activity 'X': 'items' must be a non-empty list"));
        assertTrue(problems("activities: [ {name: X, items: [ {name: a, type: float} ]}, {name: x, items: [ {name: b, type: float} ]} ]")
                .contains("activity 'x' is defined twice"));
        assertTrue(problems("activities: [ : ").contains("not valid YAML"));
    }

    @Test
    void indexesNameKnownItemsAndAnUnknownOneIsRefused() {
        List<ActivityDefinition> activities = DefinitionFile.parse("defs.yaml", """
                naming: biztalk
                activities:
                  - name: Order
                    bamName: "Sales Order"
                    items:
                      - { name: Customer, bamName: "Customer Name", type: text, length: 50 }
                      - { name: Region, type: text, length: 10 }
                    indexes:
                      - { name: ByCustomer, items: [customer, Region] }
                """);
        ActivityDefinition order = activities.get(0);
        assertEquals(Naming.BIZTALK, order.naming());
        assertEquals(List.of(new IndexDefinition("ByCustomer", List.of("Customer", "Region"), null)), order.indexes());
        assertEquals("Customer Name", order.itemBamName("CUSTOMER"));
        assertEquals("`bam_Order_Active`", order.activeTable());
        assertEquals(order, DefinitionFile.fromJson("stored", DefinitionFile.toJson(order)), "the stored form round-trips");

        String p = problems("activities: [ { name: Order, items: [ { name: Customer, type: text, length: 50 } ],"
                + " indexes: [ { name: ByRegion, items: [Customer, Region] } ] } ]");
        assertTrue(p.contains("defs.yaml: activity 'Order', index 'ByRegion': names item 'Region', which the activity does not have;"
                + " its items are [Customer]"), p);
        p = problems("activities: [ { name: Order, items: [ { name: Note, type: text, length: 4000 } ],"
                + " indexes: [ { name: ByNote, items: [Note] } ] } ]");
        assertTrue(p.contains("index 'ByNote': its key is up to 16002 bytes"), p);
        p = problems("activities: [ { name: Order, items: [ { name: Note, type: integer } ],"
                + " indexes: [ { name: PRIMARY, items: [Note] } ] } ]");
        assertTrue(p.contains("index 'PRIMARY': name is one the bus uses itself"), p);
        p = problems("activities: [ { name: Order, items: [ { name: Note, type: integer } ],"
                + " indexes: [ { name: ix_began, items: [Note] }, { name: ix_alert_Note, items: [Note] } ] } ]");
        assertTrue(p.contains("index 'ix_began': name is one the bus uses itself") && p.contains("index 'ix_alert_Note': name is"
                + " one the bus uses itself"), p);
    }

    @Test
    void namingIsCheckedAndBizTalkNamesKeepActivitiesTo37Characters() {
        assertTrue(problems("naming: bam\nactivities: [ { name: Order, items: [ { name: A, type: integer } ] } ]")
                .contains("'naming' must be bambus (bam_X_active, …) or biztalk"));
        String name = "A".repeat(38);
        assertTrue(problems("naming: biztalk\nactivities: [ { name: " + name + ", items: [ { name: A, type: integer } ] } ]")
                .contains("name is 38 characters long, the limit is 37 with naming: biztalk"));
        assertEquals(name, DefinitionFile.parse("d.yaml", "activities: [ { name: " + name + ", items: [ { name: A, type: integer } ] } ]")
                .get(0).name());
        assertTrue(problems("nameing: biztalk\nactivities: [ { name: Order, items: [ { name: A, type: integer } ] } ]")
                .contains("unknown key 'nameing'"));
    }
}
