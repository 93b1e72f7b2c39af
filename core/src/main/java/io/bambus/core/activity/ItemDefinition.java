package io.bambus.core.activity;

import io.bambus.core.sql.Identifiers;

/**
 * One item of an activity. {@code length} is used by TEXT, {@code precision} and {@code scale} by
 * DECIMAL; they are 0 for the other types.
 */
public record ItemDefinition(String name, ItemType type, int length, int precision, int scale) {

    public static final int MAX_TEXT_LENGTH = 4000;
    public static final int MAX_DECIMAL_PRECISION = 38;
    /** A decimal item's precision and scale when its definition gives none. */
    public static final int DEFAULT_DECIMAL_PRECISION = 18;
    public static final int DEFAULT_DECIMAL_SCALE = 4;

    public static ItemDefinition milestone(String name) {
        return new ItemDefinition(name, ItemType.MILESTONE, 0, 0, 0);
    }

    public static ItemDefinition text(String name, int length) {
        return new ItemDefinition(name, ItemType.TEXT, length, 0, 0);
    }

    public static ItemDefinition of(String name, ItemType type) {
        return type == ItemType.DECIMAL
                ? new ItemDefinition(name, type, 0, DEFAULT_DECIMAL_PRECISION, DEFAULT_DECIMAL_SCALE)
                : new ItemDefinition(name, type, 0, 0, 0);
    }

    public static ItemDefinition decimal(String name, int precision, int scale) {
        return new ItemDefinition(name, ItemType.DECIMAL, 0, precision, scale);
    }

    /** The column type in the activity tables. */
    public String sqlType() {
        return type.sqlType(this);
    }

    /** How the definition file spells this item's type, for messages. */
    public String describe() {
        return type.describe(this);
    }

    public String column() {
        return Identifiers.quote(name);
    }
}
