package io.bambus.core.activity;

import io.bambus.core.sql.Identifiers;
import io.bambus.core.sql.SqlTimes;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The kinds of item an activity holds, each with everything that differs between them: how a
 * definition file spells it and its attributes, its column's DDL, JDBC binding and reading, how an
 * event's value converts and what it refuses, how a search text parses, and which BizTalk BAM data
 * type maps to it. Adding a type is a constant here and its test ({@code ItemTypeTest}).
 */
public enum ItemType {

    /** A point in the business process reached at a time (BizTalk's milestone, BAM's DATETIME). */
    MILESTONE("DATETIME") {
        @Override
        public String sqlType(ItemDefinition item) {
            return "DATETIME(6)";
        }

        @Override
        public Object convert(String activity, ItemDefinition item, Object raw) throws Refused {
            return time(activity, item, raw);
        }

        @Override
        public Object searchValue(ItemDefinition item, String text) {
            return searchTime(item, text);
        }

        @Override
        public boolean holdsTime() {
            return true;
        }
    },

    /** Text of at most {@code length} characters (BAM's NVARCHAR). */
    TEXT("NVARCHAR", "length") {
        @Override
        public String sqlType(ItemDefinition item) {
            return "VARCHAR(" + item.length() + ")";
        }

        @Override
        public String describe(ItemDefinition item) {
            return "text(" + item.length() + ")";
        }

        @Override
        int keyBytes(ItemDefinition item) {
            return item.length() * 4 + 2; // utf8mb4: 4 bytes a character
        }

        @Override
        ItemDefinition define(String where, String name, Map<String, Integer> attributes, List<String> problems) {
            Integer length = attributes.get("length");
            if (length == null || length < 1 || length > ItemDefinition.MAX_TEXT_LENGTH) {
                problems.add(where + ": a text item needs 'length' between 1 and " + ItemDefinition.MAX_TEXT_LENGTH);
                return null;
            }
            return ItemDefinition.text(name, length);
        }

        @Override
        public Map<String, Integer> attributes(ItemDefinition item) {
            return Map.of("length", item.length());
        }

        @Override
        public int jdbcType() {
            return Types.VARCHAR;
        }

        @Override
        public Object read(ResultSet rows, int column) throws SQLException {
            return rows.getString(column);
        }

        @Override
        public Object convert(String activity, ItemDefinition item, Object raw) throws Refused {
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

        @Override
        String expected(ItemDefinition item) {
            return "text of at most " + item.length() + " characters";
        }

        @Override
        public Object searchValue(ItemDefinition item, String text) {
            int characters = text.codePointCount(0, text.length());
            if (characters > item.length()) {
                throw new IllegalArgumentException("item " + item.name() + " is " + item.describe() + ": a value of "
                        + characters + " characters cannot match");
            }
            return text;
        }
    },

    /** A 64-bit whole number (BAM's INT). */
    INTEGER("INT") {
        @Override
        public String sqlType(ItemDefinition item) {
            return "BIGINT";
        }

        @Override
        public int jdbcType() {
            return Types.BIGINT;
        }

        @Override
        public Object read(ResultSet rows, int column) throws SQLException {
            return rows.getObject(column, Long.class);
        }

        @Override
        public Object convert(String activity, ItemDefinition item, Object raw) throws Refused {
            if (!(raw instanceof BigInteger b)) {
                throw mismatch(activity, item, raw);
            }
            if (b.compareTo(MIN_LONG) < 0 || b.compareTo(MAX_LONG) > 0) {
                throw new Refused(where(activity, item) + ": value " + b + " is outside the 64-bit integer range");
            }
            return b.longValue();
        }

        @Override
        String expected(ItemDefinition item) {
            return "a whole number";
        }

        @Override
        public Object searchValue(ItemDefinition item, String text) {
            try {
                return Long.valueOf(text.trim());
            } catch (NumberFormatException e) {
                throw notA(item, text, "a whole number from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE);
            }
        }
    },

    /** An exact number with {@code precision} digits, {@code scale} of them after the point. */
    DECIMAL(null, "precision", "scale") {
        @Override
        public String sqlType(ItemDefinition item) {
            return "DECIMAL(" + item.precision() + "," + item.scale() + ")";
        }

        @Override
        public String describe(ItemDefinition item) {
            return "decimal(" + item.precision() + "," + item.scale() + ")";
        }

        @Override
        int keyBytes(ItemDefinition item) {
            return item.precision() / 2 + 1;
        }

        @Override
        ItemDefinition define(String where, String name, Map<String, Integer> attributes, List<String> problems) {
            Integer precision = attributes.getOrDefault("precision", ItemDefinition.DEFAULT_DECIMAL_PRECISION);
            Integer scale = attributes.getOrDefault("scale", ItemDefinition.DEFAULT_DECIMAL_SCALE);
            if (precision == null || precision < 1 || precision > ItemDefinition.MAX_DECIMAL_PRECISION) {
                problems.add(where + ": 'precision' must be between 1 and " + ItemDefinition.MAX_DECIMAL_PRECISION);
                return null;
            }
            if (scale == null || scale < 0 || scale > precision) {
                problems.add(where + ": 'scale' must be between 0 and the precision (" + precision + ")");
                return null;
            }
            return ItemDefinition.decimal(name, precision, scale);
        }

        @Override
        public Map<String, Integer> attributes(ItemDefinition item) {
            Map<String, Integer> attributes = new LinkedHashMap<>();
            attributes.put("precision", item.precision());
            attributes.put("scale", item.scale());
            return attributes;
        }

        @Override
        public int jdbcType() {
            return Types.DECIMAL;
        }

        @Override
        public Object read(ResultSet rows, int column) throws SQLException {
            return rows.getBigDecimal(column);
        }

        @Override
        public Object convert(String activity, ItemDefinition item, Object raw) throws Refused {
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

        @Override
        String expected(ItemDefinition item) {
            return "a number for " + item.describe();
        }

        @Override
        public Object searchValue(ItemDefinition item, String text) {
            String value = text.trim();
            BigDecimal number;
            try {
                if (value.length() > 100) {
                    throw new NumberFormatException();
                }
                number = new BigDecimal(value);
            } catch (NumberFormatException e) {
                throw notA(item, text, "a decimal number such as 12.50");
            }
            BigDecimal digits = number.stripTrailingZeros();
            // judged as longs: a scale near Integer.MIN_VALUE (1E+2147483647) must not overflow into a small number
            long scale = Math.max(0, (long) digits.scale());
            long whole = (long) digits.precision() - digits.scale();
            if (scale > item.scale() || whole > item.precision() - item.scale()) {
                throw new IllegalArgumentException("item " + item.name() + " is " + item.describe() + ": " + quoted(text)
                        + " has more digits than it holds, so it cannot match");
            }
            return number;
        }
    },

    /** A double-precision floating-point number (BAM's FLOAT). */
    FLOAT("FLOAT") {
        @Override
        public String sqlType(ItemDefinition item) {
            return "DOUBLE";
        }

        @Override
        public int jdbcType() {
            return Types.DOUBLE;
        }

        @Override
        public Object read(ResultSet rows, int column) throws SQLException {
            return rows.getObject(column, Double.class);
        }

        @Override
        public Object convert(String activity, ItemDefinition item, Object raw) throws Refused {
            if (raw instanceof BigDecimal || raw instanceof BigInteger) {
                double d = ((Number) raw).doubleValue();
                if (Double.isFinite(d)) {
                    return d;
                }
                throw new Refused(where(activity, item) + ": value is outside the range of a float");
            }
            throw mismatch(activity, item, raw);
        }

        @Override
        String expected(ItemDefinition item) {
            return "a number";
        }

        @Override
        public Object searchValue(ItemDefinition item, String text) {
            String value = text.trim();
            try {
                double d = Double.parseDouble(value);
                if (Double.isFinite(d) && value.matches("[-+]?[0-9.]+([eE][-+]?[0-9]+)?")) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // refused below
            }
            throw notA(item, text, "a number such as 0.25 or 1e-3");
        }
    },

    /** A date and time that is not a milestone (a due date, say). */
    TIMESTAMP(null) {
        @Override
        public String sqlType(ItemDefinition item) {
            return "DATETIME(6)";
        }

        @Override
        public Object convert(String activity, ItemDefinition item, Object raw) throws Refused {
            return time(activity, item, raw);
        }

        @Override
        public Object searchValue(ItemDefinition item, String text) {
            return searchTime(item, text);
        }

        @Override
        public boolean holdsTime() {
            return true;
        }
    };

    private static final LocalDateTime MIN_DATETIME = LocalDateTime.of(1000, 1, 1, 0, 0);
    private static final LocalDateTime MAX_DATETIME = LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000);
    private static final BigInteger MIN_LONG = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger MAX_LONG = BigInteger.valueOf(Long.MAX_VALUE);
    /** Longest number text parsed (as the JSON parser's limit): parsing is quadratic in the digits. */
    private static final int MAX_NUMBER_TEXT = 1_000;
    /** The attributes some type takes in a definition file; each type says which are its own. */
    static final List<String> ALL_ATTRIBUTES = List.of("length", "precision", "scale");

    /** The BizTalk BAM definition's DataType that imports as this type (null: none does). */
    private final String bizTalkType;
    private final List<String> fileAttributes;

    ItemType(String bizTalkType, String... fileAttributes) {
        this.bizTalkType = bizTalkType;
        this.fileAttributes = List.of(fileAttributes);
    }

    /** An event's value could not be stored in its item; the message is the failed event's reason. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** The column type in the activity tables. */
    public abstract String sqlType(ItemDefinition item);

    /** Whether its values are points in time (what a stalled-activity rule can measure from). */
    public boolean holdsTime() {
        return false;
    }

    /** How a definition file spells the item's type, for messages. */
    public String describe(ItemDefinition item) {
        return fileName();
    }

    /** The most bytes a value takes in an index key. */
    int keyBytes(ItemDefinition item) {
        return 8;
    }

    /** The attributes (besides name and type) a definition file gives this type's items. */
    List<String> fileAttributes() {
        return fileAttributes;
    }

    /** The item {@code name} of this type with the attributes a definition file gave it, or null (problems say why). */
    ItemDefinition define(String where, String name, Map<String, Integer> attributes, List<String> problems) {
        return ItemDefinition.of(name, this);
    }

    /** The attributes an item of this type writes to a definition file, in order. */
    public Map<String, Integer> attributes(ItemDefinition item) {
        return Map.of();
    }

    /** The JDBC type of the column, for a NULL. */
    public int jdbcType() {
        return Types.TIMESTAMP;
    }

    /** The column's value in {@code rows}, as {@link #convert} makes it. */
    public Object read(ResultSet rows, int column) throws SQLException {
        return rows.getObject(column, LocalDateTime.class);
    }

    /** Binds {@code value} (as {@link #convert} or {@link #read} make it; null too) as parameter {@code index}. */
    public void bind(PreparedStatement statement, int index, Object value) throws SQLException {
        if (value == null) {
            statement.setNull(index, jdbcType());
        } else if (value instanceof LocalDateTime time) {
            SqlTimes.bind(statement, index, time);
        } else if (value instanceof BigDecimal d) {
            statement.setBigDecimal(index, d);
        } else {
            statement.setObject(index, value);
        }
    }

    /**
     * An event's decoded value (JSON: text, BigInteger, BigDecimal, Boolean) as the column's value.
     * {@code raw} is never null: a JSON null clears the column without conversion (the caller's rule).
     */
    public abstract Object convert(String activity, ItemDefinition item, Object raw) throws Refused;

    /** What a value of the item must be, for a refusal. */
    String expected(ItemDefinition item) {
        return "an ISO-8601 date-time text";
    }

    /**
     * {@code text} (a search's value) as a value of this type, so the database compares like with like
     * (MariaDB would cast 'abc' to 0 and '5abc' to 5 against a number column).
     *
     * @throws IllegalArgumentException a value the type cannot hold, with the reason
     */
    public abstract Object searchValue(ItemDefinition item, String text);

    public String fileName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ItemType fromFileName(String name) {
        for (ItemType type : values()) {
            if (type.fileName().equals(name)) {
                return type;
            }
        }
        return null;
    }

    public static String allowedNames() {
        return String.join(", ", java.util.Arrays.stream(values()).map(ItemType::fileName).toList());
    }

    /** The type a BizTalk BAM checkpoint of {@code dataType} imports as, or null. */
    public static ItemType fromBizTalk(String dataType) {
        for (ItemType type : values()) {
            if (type.bizTalkType != null && type.bizTalkType.equals(dataType)) {
                return type;
            }
        }
        return null;
    }

    /** The BizTalk BAM data types that import, for a message. */
    public static String bizTalkNames() {
        return String.join(", ", java.util.Arrays.stream(values()).filter(t -> t.bizTalkType != null)
                .map(t -> t.bizTalkType).toList());
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
                    throw new Refused(where(activity, item) + ": '" + Identifiers.shorten(s, 60) + "' is not an ISO-8601"
                            + " date-time such as 2026-11-23T10:15:30Z");
                }
            }
        }
        if (utc.isBefore(MIN_DATETIME) || utc.isAfter(MAX_DATETIME)) {
            throw new Refused(where(activity, item) + ": " + s + " is outside the years 1000 to 9999");
        }
        return utc.truncatedTo(ChronoUnit.MICROS);
    }

    private static LocalDateTime searchTime(ItemDefinition item, String text) {
        try {
            return LocalDateTime.parse(text.trim().replace(' ', 'T'));
        } catch (DateTimeParseException e) {
            throw notA(item, text, "a date and time such as 2026-11-30 14:05:00 or 2026-11-30T14:05:00.123456");
        }
    }

    private static Refused mismatch(String activity, ItemDefinition item, Object raw) {
        String found = raw instanceof String s ? "text '" + Identifiers.shorten(s, 60) + "'"
                : raw instanceof Boolean b ? "boolean " + b
                : "number " + raw;
        return new Refused(where(activity, item) + ": expected " + item.type().expected(item) + ", got " + found
                + " (type mismatch)");
    }

    private static Refused doesNotFit(String activity, ItemDefinition item, BigDecimal value) {
        return new Refused(where(activity, item) + ": value " + Identifiers.shorten(value.toString(), 60) + " does not fit "
                + item.describe() + " (at most " + (item.precision() - item.scale()) + " digits before the point)");
    }

    private static String where(String activity, ItemDefinition item) {
        return "item '" + item.name() + "' of activity '" + activity + "' (" + item.describe() + ")";
    }

    private static IllegalArgumentException notA(ItemDefinition item, String text, String expected) {
        return new IllegalArgumentException("item " + item.name() + " is " + item.describe() + ": " + quoted(text) + " is not "
                + expected);
    }

    private static String quoted(String text) {
        return "'" + Identifiers.escaped(Identifiers.shorten(text, 60), 80) + "'";
    }
}
