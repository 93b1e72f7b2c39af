package io.bambus.core.sql;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one place where names from configuration, definitions and events become SQL identifiers.
 * Every table and column name that reaches a statement passed {@link #check} and is written with
 * {@link #quote}; nothing else builds SQL from text.
 */
public final class Identifiers {

    /** Item and activity names: a letter, then letters, digits or underscores. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

    /** Longest item name; BizTalk's limit, and it keeps derived names inside MySQL's 64. */
    public static final int MAX_ITEM_NAME = 48;

    /**
     * Longest activity name: {@code bam_<name>_all_instances} and {@code bam_<name>_continuations}
     * must fit MySQL's 64-character identifier limit.
     */
    public static final int MAX_ACTIVITY_NAME = 46;

    /** Column names the activity tables use themselves; items may not take them. */
    public static final Set<String> RESERVED = Set.of(
            "recordid", "activityid", "isvisible", "iscomplete", "lastmodified", "beganat");

    private Identifiers() {
    }

    /** Returns null when {@code name} is a valid identifier of at most {@code maxLength}, else the broken rule. */
    public static String problem(String name, int maxLength) {
        if (name == null || name.isEmpty()) {
            return "is empty";
        }
        if (name.length() > maxLength) {
            return "is " + name.length() + " characters long, the limit is " + maxLength;
        }
        if (!NAME.matcher(name).matches()) {
            return "must match " + NAME.pattern() + " (a letter, then letters, digits or underscores)";
        }
        return null;
    }

    /** Checks {@code name} and throws naming {@code what} when it is not a safe identifier. */
    public static String check(String what, String name, int maxLength) {
        String problem = problem(name, maxLength);
        if (problem != null) {
            throw new IllegalArgumentException(what + " '" + printable(name) + "' " + problem);
        }
        return name;
    }

    public static boolean isReserved(String name) {
        return RESERVED.contains(name.toLowerCase(Locale.ROOT));
    }

    /** Backtick-quotes a checked identifier. */
    public static String quote(String identifier) {
        if (problem(identifier, 64) != null) {
            throw new IllegalArgumentException("refusing to quote unchecked identifier '" + printable(identifier) + "'");
        }
        return '`' + identifier + '`';
    }

    /** A name cut and stripped of control characters, for error messages. */
    public static String printable(String name) {
        if (name == null) {
            return "null";
        }
        return shorten(name, 80).replaceAll("\\p{Cntrl}", "?");
    }

    /**
     * {@code text} cut to {@code max} characters with every control character (C0, C1, and the
     * Unicode line and paragraph separators) and the backslash escaped as in Java source
     * ({@code \\n}, {@code \\u2028}): text from outside in a log line can never start a line of its own.
     */
    public static String escaped(String text, int max) {
        if (text == null) {
            return "null";
        }
        String cut = shorten(text, max);
        StringBuilder out = new StringBuilder(cut.length() + 8);
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.getType(c) == Character.CONTROL || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** {@code text} cut to {@code max} characters, with an ellipsis when cut: values quoted in messages. */
    public static String shorten(String text, int max) {
        return text.length() > max ? text.substring(0, max) + "…" : text;
    }
}
