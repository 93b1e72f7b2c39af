package io.bambus.core.activity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every item type's own behaviour, no database: file attributes, DDL, conversion, search, BizTalk. */
class ItemTypeTest {

    @Test
    void everyTypeHasItsDdlItsFileSpellingAndItsAttributes() {
        ItemDefinition text = ItemDefinition.text("C", 40);
        ItemDefinition decimal = ItemDefinition.decimal("A", 10, 2);
        assertEquals("VARCHAR(40)", text.sqlType());
        assertEquals("text(40)", text.describe());
        assertEquals(Map.of("length", 40), ItemType.TEXT.attributes(text));
        assertEquals("DECIMAL(10,2)", decimal.sqlType());
        assertEquals(List.of("precision", "scale"), List.copyOf(ItemType.DECIMAL.attributes(decimal).keySet()));
        assertEquals("BIGINT", ItemDefinition.of("N", ItemType.INTEGER).sqlType());
        assertEquals("DOUBLE", ItemDefinition.of("F", ItemType.FLOAT).sqlType());
        assertEquals("DATETIME(6)", ItemDefinition.milestone("M").sqlType());
        assertEquals("DATETIME(6)", ItemDefinition.of("T", ItemType.TIMESTAMP).sqlType());
        for (ItemType type : ItemType.values()) {
            assertEquals(type, ItemType.fromFileName(type.fileName()));
            assertNotNull(type.sqlType(type == ItemType.TEXT ? text : ItemDefinition.of("X", type)), type + " has a column type");
        }
    }

    @Test
    void aDefinitionFileGivesEachTypeItsOwnAttributesAndRefusesOthers() {
        List<String> problems = new ArrayList<>();
        assertEquals(ItemDefinition.decimal("A", 18, 4), ItemType.DECIMAL.define("a", "A", Map.of(), problems),
                "decimal(18,4) when the file gives neither");
        assertEquals(null, ItemType.TEXT.define("c", "C", Map.of(), problems));
        assertTrue(problems.get(0).contains("a text item needs 'length'"), problems.toString());
        List<ActivityDefinition> parsed = DefinitionFile.parse("t", """
                activities:
                  - name: A
                    items:
                      - { name: C, type: text, length: 5 }
                      - { name: D, type: decimal, precision: 8, scale: 3 }
                """);
        assertEquals(List.of(ItemDefinition.text("C", 5), ItemDefinition.decimal("D", 8, 3)), parsed.get(0).items());
        DefinitionException wrong = assertThrows(DefinitionException.class, () -> DefinitionFile.parse("t", """
                activities:
                  - name: A
                    items:
                      - { name: N, type: integer, length: 5 }
                """));
        assertTrue(wrong.getMessage().contains("'length' does not apply to a integer item"), wrong.getMessage());
    }

    @Test
    void eventValuesConvertOrAreRefusedWithTheReason() throws Exception {
        ItemDefinition amount = ItemDefinition.decimal("Amount", 6, 2);
        assertEquals(new BigDecimal("1.01"), ItemType.DECIMAL.convert("A", amount, new BigDecimal("1.005")));
        assertEquals(new BigDecimal("0.00"), ItemType.DECIMAL.convert("A", amount, new BigDecimal("1E-999999999")),
                "judged by magnitude: no billion-digit expansion");
        assertTrue(assertThrows(ItemType.Refused.class, () -> ItemType.DECIMAL.convert("A", amount,
                new BigDecimal("1E+999999999"))).getMessage().contains("does not fit"));
        assertEquals(Long.MAX_VALUE, ItemType.INTEGER.convert("A", ItemDefinition.of("N", ItemType.INTEGER),
                BigInteger.valueOf(Long.MAX_VALUE)));
        assertTrue(assertThrows(ItemType.Refused.class, () -> ItemType.INTEGER.convert("A", ItemDefinition.of("N", ItemType.INTEGER),
                BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE))).getMessage().contains("64-bit integer range"));
        assertEquals(LocalDateTime.of(2026, 12, 6, 9, 0), ItemType.MILESTONE.convert("A", ItemDefinition.milestone("M"),
                "2026-12-06T10:00:00+01:00"), "offsets are kept as UTC");
        assertTrue(assertThrows(ItemType.Refused.class, () -> ItemType.TEXT.convert("A", ItemDefinition.text("C", 3), 42))
                .getMessage().contains("type mismatch"));
        assertTrue(assertThrows(ItemType.Refused.class, () -> ItemType.TEXT.convert("A", ItemDefinition.text("C", 3), "four"))
                .getMessage().contains("value too long"));
    }

    @Test
    void searchTextParsesAsTheTypeOrIsRefusedWithTheReason() {
        ItemDefinition amount = ItemDefinition.decimal("Amount", 6, 2);
        assertEquals(new BigDecimal("12.50"), ItemType.DECIMAL.searchValue(amount, " 12.50 "));
        // the scale of 1E+2147483647 is Integer.MIN_VALUE + 1: counted as an int, its digits overflowed into a small number
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
                () -> ItemType.DECIMAL.searchValue(amount, "1E+2147483647"));
        assertTrue(huge.getMessage().contains("more digits than it holds"), huge.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ItemType.INTEGER.searchValue(ItemDefinition.of("N", ItemType.INTEGER), "5abc"));
        assertThrows(IllegalArgumentException.class, () -> ItemType.FLOAT.searchValue(ItemDefinition.of("F", ItemType.FLOAT), "NaN"));
        assertEquals(LocalDateTime.of(2026, 11, 30, 14, 5), ItemType.TIMESTAMP.searchValue(ItemDefinition.of("T", ItemType.TIMESTAMP),
                "2026-11-30 14:05:00"));
        assertThrows(IllegalArgumentException.class, () -> ItemType.TEXT.searchValue(ItemDefinition.text("C", 2), "abc"));
    }

    @Test
    void bizTalkDataTypesImportAsTheirTypes() {
        assertEquals(ItemType.MILESTONE, ItemType.fromBizTalk("DATETIME"));
        assertEquals(ItemType.TEXT, ItemType.fromBizTalk("NVARCHAR"));
        assertEquals(ItemType.INTEGER, ItemType.fromBizTalk("INT"));
        assertEquals(ItemType.FLOAT, ItemType.fromBizTalk("FLOAT"));
        assertEquals(null, ItemType.fromBizTalk("MONEY"));
    }
}
