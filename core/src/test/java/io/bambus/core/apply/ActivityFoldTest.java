package io.bambus.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.event.DecodedEvent;
import io.bambus.core.event.EventKind;
import io.bambus.core.session.OutboxEvent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The event rules alone, no database: what each event does to an instance's state. */
class ActivityFoldTest {

    private static final ActivityDefinition ORDER = DefinitionFile.parse("test", """
            activities:
              - name: Order
                items:
                  - { name: Customer, type: text, length: 10 }
                  - { name: Amount, type: decimal, precision: 6, scale: 2 }
                  - { name: Shipped, type: milestone }
            """).get(0);
    private static final LocalDateTime T0 = LocalDateTime.of(2026, 12, 6, 10, 0);

    private long seq;

    @Test
    void anInstanceBegunUpdatedAndEndedCompletesWithItsValuesAndTimes() {
        ActivityFold fold = new ActivityFold(ORDER);
        fold.instance("o1");
        assertNull(apply(fold, EventKind.BEGIN, "o1", 0, Map.of()));
        assertNull(apply(fold, EventKind.UPDATE, "o1", 5, Map.of("Customer", "Ada", "Amount", new BigDecimal("12.345"))));
        assertNull(apply(fold, EventKind.END, "o1", 9, Map.of()));
        ActivityFold.Instance order = fold.instance("o1");
        assertTrue(order.completesNow && order.touched && order.mainEnded);
        assertEquals("Ada", order.values[0]);
        assertEquals(new BigDecimal("12.35"), order.values[1], "rounded to the item's scale as MySQL rounds");
        assertEquals(T0.plusSeconds(9), order.lastModified);
        assertEquals(T0, order.earliest, "BeganAt: the earliest event time");
    }

    @Test
    void anUpdateBeforeItsBeginCreatesTheInstanceAndEventsAfterTheEndAreRefused() {
        ActivityFold fold = new ActivityFold(ORDER);
        fold.instance("o1");
        assertNull(apply(fold, EventKind.UPDATE, "o1", 0, Map.of("Customer", "Bo")));
        assertNull(apply(fold, EventKind.END, "o1", 1, Map.of()));
        String refusal = apply(fold, EventKind.UPDATE, "o1", 2, Map.of("Customer", "Cy"));
        assertTrue(refusal.contains("already completed"), refusal);
        assertEquals("Bo", fold.instance("o1").values[0], "a refused event changes nothing");
        fold.instance("o2").completedBefore = true;
        assertTrue(apply(fold, EventKind.BEGIN, "o2", 3, Map.of()).contains("already completed"));
    }

    @Test
    void aValueTheItemCannotHoldIsRefusedAndLeavesTheOtherItemsOfTheEventUnset() {
        ActivityFold fold = new ActivityFold(ORDER);
        fold.instance("o1");
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("Customer", "Dee");
        fields.put("Amount", new BigInteger("1000000"));
        String refusal = apply(fold, EventKind.UPDATE, "o1", 0, fields);
        assertTrue(refusal.contains("does not fit decimal(6,2)"), refusal);
        assertNull(fold.instance("o1").values[0], "an event applies whole or not at all");
        assertFalse(fold.instance("o1").touched);
        assertTrue(apply(fold, EventKind.UPDATE, "o1", 1, Map.of("Colour", "red")).contains("has no item 'Colour'"));
        assertTrue(fold.sawUnknownItem(), "the caller reloads the definitions once");
    }

    @Test
    void aContinuationTakesTheEventsOfItsTokenAndTheInstanceCompletesWhenBothHaveEnded() {
        ActivityFold fold = new ActivityFold(ORDER);
        fold.instance("o1");
        fold.instance("ship-1");
        assertNull(apply(fold, EventKind.BEGIN, "o1", 0, Map.of()));
        assertNull(apply(fold, EventKind.ENABLE_CONTINUATION, "o1", 1, Map.of("token", "ship-1")));
        assertEquals("o1", fold.target("ship-1"));
        assertNull(apply(fold, EventKind.END, "o1", 2, Map.of()));
        assertFalse(fold.instance("o1").completesNow, "a continuation is still open");
        assertNull(apply(fold, EventKind.UPDATE, fold.target("ship-1"), "ship-1", 3, Map.of("Shipped", "2026-12-06T11:00:00Z")));
        assertEquals(LocalDateTime.of(2026, 12, 6, 11, 0), fold.instance("o1").values[2]);
        assertNull(apply(fold, EventKind.END, fold.target("ship-1"), "ship-1", 4, Map.of()));
        assertTrue(fold.instance("o1").completesNow, "the main instance and its continuation have ended");
        assertEquals(List.of(), fold.tokensRemoved(), "enabled and ended within the events: nothing stored to remove");
        assertEquals(List.of(), fold.tokensAdded());
    }

    @Test
    void aTokenContinuesOneInstanceAndNeverItself() {
        ActivityFold fold = new ActivityFold(ORDER);
        fold.instance("o1");
        fold.instance("o2");
        fold.storedToken("t", "o1");
        String taken = apply(fold, EventKind.ENABLE_CONTINUATION, "o2", 0, Map.of("token", "t"));
        assertTrue(taken.contains("already continues instance 'o1'"), taken);
        String own = apply(fold, EventKind.ENABLE_CONTINUATION, "o2", 1, Map.of("token", "o2"));
        assertTrue(own.contains("cannot be its own continuation token"), own);
        String none = apply(fold, EventKind.ENABLE_CONTINUATION, "o2", 2, Map.of());
        assertTrue(none.contains("needs a 'token'"), none);
    }

    @Test
    void referencesAreKeptOncePerInstanceTypeNameAndData() {
        ActivityFold fold = new ActivityFold(ORDER);
        fold.instance("o1");
        Map<String, Object> reference = Map.of("type", "Document", "name", "Invoice", "data", "inv-7");
        assertNull(apply(fold, EventKind.ADD_REFERENCE, "o1", 0, reference));
        assertNull(apply(fold, EventKind.ADD_REFERENCE, "o1", 1, reference));
        assertEquals(1, fold.references().size());
        assertTrue(apply(fold, EventKind.ADD_REFERENCE, "o1", 2, Map.of("type", "Document")).contains("a reference needs"));
    }

    private String apply(ActivityFold fold, EventKind kind, String id, int seconds, Map<String, Object> fields) {
        return apply(fold, kind, id, id, seconds, fields);
    }

    private String apply(ActivityFold fold, EventKind kind, String target, String id, int seconds, Map<String, Object> fields) {
        OutboxEvent source = new OutboxEvent(++seq, kind.name(), "Order", id, new byte[0], T0.plusSeconds(seconds));
        return fold.apply(new DecodedEvent(source, kind, fields, null), target);
    }
}
