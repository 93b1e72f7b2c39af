package io.bambus.ui.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.activity.ItemDefinition;
import io.bambus.core.activity.ItemType;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A search value is turned into the item's type, or refused with the reason; never left to MariaDB's casts. */
class SearchValueTest {

    @Test
    void valuesOfEachTypeAreConvertedOrRefusedWithTheReason() {
        ItemDefinition step = ItemDefinition.of("Step", ItemType.INTEGER);
        assertEquals(5L, ActivityQueries.searchValue(step, " 5 "));
        assertEquals(Long.MIN_VALUE, ActivityQueries.searchValue(step, String.valueOf(Long.MIN_VALUE)));
        for (String bad : List.of("abc", "5abc", "", "9223372036854775808", "1.5", "0x10")) {
            var e = assertThrows(ActivityQueries.BadQueryException.class, () -> ActivityQueries.searchValue(step, bad), bad);
            assertTrue(e.getMessage().contains("item Step is integer") && e.getMessage().contains("is not a whole number"),
                    e.getMessage());
        }
        ItemDefinition total = ItemDefinition.decimal("Total", 10, 2);
        assertEquals(new BigDecimal("12.50"), ActivityQueries.searchValue(total, "12.50"));
        assertThrows(ActivityQueries.BadQueryException.class, () -> ActivityQueries.searchValue(total, "12,50"));
        assertThrows(ActivityQueries.BadQueryException.class, () -> ActivityQueries.searchValue(total, "1".repeat(101)));
        // an exponent would make the driver write the number out in full (hundreds of MB): refused by the item's digits
        for (String huge : List.of("1E+100000000", "1E-999999999", "12.505", "123456789", "-999999999.5")) {
            var e = assertThrows(ActivityQueries.BadQueryException.class, () -> ActivityQueries.searchValue(total, huge), huge);
            assertTrue(e.getMessage().contains("has more digits than it holds"), e.getMessage());
        }
        assertEquals(new BigDecimal("-99999999.99"), ActivityQueries.searchValue(total, "-99999999.99"));
        assertEquals(0, BigDecimal.ZERO.compareTo((BigDecimal) ActivityQueries.searchValue(total, "0.000")));
        ItemDefinition ratio = ItemDefinition.of("Ratio", ItemType.FLOAT);
        assertEquals(0.001, ActivityQueries.searchValue(ratio, "1e-3"));
        for (String bad : List.of("NaN", "Infinity", "1d", "0x1p3")) {
            assertThrows(ActivityQueries.BadQueryException.class, () -> ActivityQueries.searchValue(ratio, bad), bad);
        }
        ItemDefinition placed = ItemDefinition.milestone("Placed");
        assertEquals(LocalDateTime.of(2026, 11, 30, 14, 5), ActivityQueries.searchValue(placed, "2026-11-30 14:05:00"));
        var e = assertThrows(ActivityQueries.BadQueryException.class, () -> ActivityQueries.searchValue(placed, "yesterday"));
        assertTrue(e.getMessage().contains("a date and time such as"), e.getMessage());
        ItemDefinition note = ItemDefinition.text("Note", 5);
        assertEquals("abc\r\n", ActivityQueries.searchValue(note, "abc\r\n"), "text is compared as given");
        assertEquals("\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00",
                ActivityQueries.searchValue(note, "\uD83D\uDE00".repeat(5)), "5 characters, 10 UTF-16 units");
        assertThrows(ActivityQueries.BadQueryException.class, () -> ActivityQueries.searchValue(note, "abcdef"));
    }
}
