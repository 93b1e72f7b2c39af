package io.bambus.core.apply;

import io.bambus.core.activity.ItemDefinition;
import io.bambus.core.sql.Identifiers;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** Turns decoded payload values into the Java values of an item's column, or says why it cannot. */
final class ItemValues {

    private static final LocalDateTime MIN_DATETIME = LocalDateTime.of(1000, 1, 1, 0, 0);
    private static final LocalDateTime MAX_DATETIME = LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000);
    private static final BigInteger MIN_LONG = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger MAX_LONG = BigInteger.valueOf(Long.MAX_VALUE);
    /** Longest number text parsed (as the JSON parser's limit): parsing is quadratic in the digits. */
    private static final int MAX_NUMBER_TEXT = 1_000;

    private ItemValues() {
    }

    /** A value could not be stored in its item; the message is the failed event's reason. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    static Object convert(String activity, ItemDefinition item, Object raw) throws Refused {
        if (raw == null) {
            return null;
        }
        return switch (item.type()) {
            case TEXT -> text(activity, item, raw);
            case INTEGER -> integer(activity, item, raw);
            case DECIMAL -> decimal(activity, item, raw);
            case FLOAT -> floating(activity, item, raw);
            case MILESTONE, TIMESTAMP -> time(activity, item, raw);
        };
    }

    private static String text(String activity, ItemDefinition item, Object raw) throws Refused {
        if (!(raw instanceof String s)) {
            throw mismatch(activity, item, raw);
        }
        int length = s.codePointCount(0, s.length());
        if (length > item.length()) {
            throw new Refused(where(activity, item) + ": value is " + length + " characters long, the item holds at most "
                    + item.length() + " (value too long)");
        }
        return s;
    }

    private static Long integer(String activity, ItemDefinition item, Object raw) throws Refused {
        if (!(raw instanceof BigInteger b)) {
            throw mismatch(activity, item, raw);
        }
        if (b.compareTo(MIN_LONG) < 0 || b.compareTo(MAX_LONG) > 0) {
            throw new Refused(where(activity, item) + ": value " + b + " is outside the 64-bit integer range");
        }
        return b.longValue();
    }

    private static BigDecimal decimal(String activity, ItemDefinition item, Object raw) throws Refused {
        BigDecimal value;
        if (raw instanceof BigDecimal d) {
            value = d;
        } else if (raw instanceof BigInteger b) {
            value = new BigDecimal(b);
        } else if (raw instanceof String s && s.length() <= MAX_NUMBER_TEXT) {
            try {
                value = new BigDecimal(s.trim());
            } catch (NumberFormatException e) {
                throw mismatch(activity, item, raw);
            }
        } else {
            throw mismatch(activity, item, raw);
        }
        // judged by magnitude before rescaling: 1E+999999999 or 1E-999999999 would expand to a billion digits
        long integerDigits = (long) value.precision() - value.scale();
        if (value.signum() == 0 || integerDigits < -item.scale()) {
            return BigDecimal.ZERO.setScale(item.scale());
        }
        if (integerDigits > item.precision() - item.scale()) {
            throw doesNotFit(activity, item, value);
        }
        // extra fraction digits round as MySQL rounds them; extra integer digits are refused
        BigDecimal scaled = value.setScale(item.scale(), RoundingMode.HALF_UP);
        if (scaled.precision() - scaled.scale() > item.precision() - item.scale()) {
            throw doesNotFit(activity, item, value);
        }
        return scaled;
    }

    private static Refused doesNotFit(String activity, ItemDefinition item, BigDecimal value) {
        return new Refused(where(activity, item) + ": value " + Identifiers.shorten(value.toString(), 60) + " does not fit "
                + item.describe() + " (at most " + (item.precision() - item.scale()) + " digits before the point)");
    }

    private static Double floating(String activity, ItemDefinition item, Object raw) throws Refused {
        if (raw instanceof BigDecimal || raw instanceof BigInteger) {
            double d = ((Number) raw).doubleValue();
            if (Double.isFinite(d)) {
                return d;
            }
            throw new Refused(where(activity, item) + ": value is outside the range of a float");
        }
        throw mismatch(activity, item, raw);
    }

    private static LocalDateTime time(String activity, ItemDefinition item, Object raw) throws Refused {
        if (!(raw instanceof String s)) {
            throw mismatch(activity, item, raw);
        }
        LocalDateTime utc;
        try {
            utc = LocalDateTime.ofInstant(Instant.parse(s), ZoneOffset.UTC);
        } catch (DateTimeParseException notInstant) {
            try {
                utc = OffsetDateTime.parse(s).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
            } catch (DateTimeParseException notOffset) {
                try {
                    utc = LocalDateTime.parse(s);
                } catch (DateTimeParseException notLocal) {
                    throw new Refused(where(activity, item) + ": '" + Identifiers.shorten(s, 60) + "' is not an ISO-8601 date-time such as "
                            + "2026-11-23T10:15:30Z");
                }
            }
        }
        if (utc.isBefore(MIN_DATETIME) || utc.isAfter(MAX_DATETIME)) {
            throw new Refused(where(activity, item) + ": " + s + " is outside the years 1000 to 9999");
        }
        return utc.truncatedTo(ChronoUnit.MICROS);
    }

    private static Refused mismatch(String activity, ItemDefinition item, Object raw) {
        String found = raw instanceof String s ? "text '" + Identifiers.shorten(s, 60) + "'"
                : raw instanceof Boolean b ? "boolean " + b
                : "number " + raw;
        return new Refused(where(activity, item) + ": expected " + expected(item) + ", got " + found + " (type mismatch)");
    }

    private static String expected(ItemDefinition item) {
        return switch (item.type()) {
            case TEXT -> "text of at most " + item.length() + " characters";
            case INTEGER -> "a whole number";
            case DECIMAL -> "a number for " + item.describe();
            case FLOAT -> "a number";
            case MILESTONE, TIMESTAMP -> "an ISO-8601 date-time text";
        };
    }

    private static String where(String activity, ItemDefinition item) {
        return "item '" + item.name() + "' of activity '" + activity + "' (" + item.describe() + ")";
    }

}
