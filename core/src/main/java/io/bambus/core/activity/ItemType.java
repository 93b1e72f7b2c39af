package io.bambus.core.activity;

import java.util.Locale;

/** The kinds of item an activity holds, as named in definition files. */
public enum ItemType {
    /** A point in the business process reached at a time (BizTalk's milestone). */
    MILESTONE,
    TEXT,
    INTEGER,
    DECIMAL,
    FLOAT,
    TIMESTAMP;

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
        return "milestone, text, integer, decimal, float, timestamp";
    }
}
