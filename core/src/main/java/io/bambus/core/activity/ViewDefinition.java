package io.bambus.core.activity;

import io.bambus.core.sql.Identifiers;
import java.util.List;
import java.util.Locale;

/**
 * A view over one activity, as BizTalk BAM's activity view: aliases (a column each, over one item
 * or several: the first of them that has a value) and durations (between two aliases that hold
 * times, in a time resolution). Deployed as three MySQL views over the activity's tables: all
 * instances, active ones, completed ones ({@link #objectName}).
 */
public record ViewDefinition(String name, List<Alias> aliases, List<Duration> durations, String bamName,
                             List<AggregationDefinition> aggregations) {

    public ViewDefinition {
        aliases = List.copyOf(aliases);
        durations = List.copyOf(durations);
        aggregations = List.copyOf(aggregations);
    }

    public ViewDefinition(String name, List<Alias> aliases, List<Duration> durations, String bamName) {
        this(name, aliases, durations, bamName, List.of());
    }

    public Duration duration(String durationName) {
        return durations.stream().filter(d -> d.name().equalsIgnoreCase(durationName)).findFirst().orElse(null);
    }

    /** A column of the view: the first of {@code items} (in this order) that has a value. */
    public record Alias(String name, List<String> items) {
        public Alias {
            items = List.copyOf(items);
        }

        /** Its value in SQL over an activity table's columns: the item, or the first of its items with a value. */
        public String sql() {
            List<String> columns = items.stream().map(Identifiers::quote).toList();
            return columns.size() == 1 ? columns.get(0) : "COALESCE(" + String.join(", ", columns) + ")";
        }
    }

    /** {@code to} minus {@code from} (two aliases holding times) in {@code resolution}, fractional. */
    public record Duration(String name, String from, String to, Resolution resolution) {
    }

    /** BizTalk's TimeResolution values, with the microseconds in one unit. */
    public enum Resolution {
        MILLISECOND(1_000L), SECOND(1_000_000L), MINUTE(60_000_000L), HOUR(3_600_000_000L), DAY(86_400_000_000L);

        public final long micros;

        Resolution(long micros) {
            this.micros = micros;
        }

        public String fileName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** From a definition file's or a BAM definition's spelling (Hour, hour); null when none. */
        public static Resolution of(String text) {
            for (Resolution resolution : values()) {
                if (resolution.name().equalsIgnoreCase(text)) {
                    return resolution;
                }
            }
            return null;
        }
    }

    /** Which of the view's three objects. */
    public enum Variant {
        ALL("view", "View"), ACTIVE("active_view", "ActiveView"), COMPLETED("completed_view", "CompletedView");

        private final String bambus;
        private final String biztalk;

        Variant(String bambus, String biztalk) {
            this.bambus = bambus;
            this.biztalk = biztalk;
        }
    }

    /**
     * The unquoted name of one of the view's objects over {@code activity}: BizTalk's
     * {@code bam_<View>_<Activity>_View} / {@code _ActiveView} / {@code _CompletedView}, or ours
     * {@code bam_<View>_<Activity>_view} / {@code _active_view} / {@code _completed_view}.
     */
    public String objectName(String activity, Naming naming, Variant variant) {
        return "bam_" + name + "_" + activity + "_" + (naming == Naming.BIZTALK ? variant.biztalk : variant.bambus);
    }

    public Alias alias(String aliasName) {
        return aliases.stream().filter(a -> a.name().equalsIgnoreCase(aliasName)).findFirst().orElse(null);
    }
}
