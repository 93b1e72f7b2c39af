package io.bambus.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class IdentifiersTest {

    @Test
    void escapedTextCannotBreakALogLine() {
        String hostile = "shop\r\nuser=vic action=discard\u0085next\u2028line\u2029para\u001b[31m\\n";
        String escaped = Identifiers.escaped(hostile, 200);
        assertEquals("shop\\r\\nuser=vic action=discard\\u0085next\\u2028line\\u2029para\\u001b[31m\\\\n", escaped);
        for (char c : escaped.toCharArray()) {
            assertFalse(Character.getType(c) == Character.CONTROL || c == '\u2028' || c == '\u2029', "control " + (int) c);
        }
        assertEquals("null", Identifiers.escaped(null, 10));
        assertEquals("abc…", Identifiers.escaped("abcdef", 3));
    }
}
