package io.bambus.core.activity;

import com.fasterxml.jackson.databind.JsonNode;
import io.bambus.core.sql.Identifiers;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A real-time aggregation over an activity view, as BizTalk BAM's RealTimeAggregation of a cube:
 * a mandatory time dimension (levels of a milestone alias), data dimensions (levels: aliases),
 * numeric range dimensions, progress dimensions (the last stage reached), and measures (count, sum
 * and average of an alias or duration). Kept in a table in the same destination transaction as
 * the activity rows (see {@code io.bambus.core.aggregate}); {@code window} and {@code slice} are
 * BizTalk's RTAWindow and RTATimeSlice.
 */
public record AggregationDefinition(String name, TimeDimension time, List<Dimension> dimensions, List<Measure> measures,
                                    Duration window, Duration slice) {

    /** BizTalk's limit on an RTA's dimension levels, the time dimension's included. */
    public static final int MAX_LEVELS = 14;
    static final Set<String> KEYS = Set.of("name", "time", "dimensions", "measures", "window", "slice");

    public AggregationDefinition {
        dimensions = List.copyOf(dimensions);
        measures = List.copyOf(measures);
    }

    /** Levels of the time dimension, as BizTalk's time dimension has them. */
    public enum TimeLevel {
        YEAR, MONTH, DAY, HOUR, MINUTE;

        public String column() {
            return name().charAt(0) + name().substring(1).toLowerCase(Locale.ROOT);
        }

        /** From a definition file's or a BAM definition's spelling (day, Day); null when none. */
        public static TimeLevel of(String text) {
            for (TimeLevel level : values()) {
                if (level.name().equalsIgnoreCase(text)) {
                    return level;
                }
            }
            return null;
        }
    }

    public record TimeDimension(String alias, List<TimeLevel> levels) {
        public TimeDimension {
            levels = List.copyOf(levels);
        }
    }

    /** One dimension: data ({@code levels}: aliases), numeric range ({@code alias} and {@code ranges}), or progress ({@code stages}). */
    public record Dimension(String name, List<String> levels, String alias, List<Range> ranges, List<Stage> stages) {
        public Dimension {
            levels = List.copyOf(levels);
            ranges = List.copyOf(ranges);
            stages = List.copyOf(stages);
        }

        public boolean isData() {
            return !levels.isEmpty();
        }

        public boolean isRange() {
            return !ranges.isEmpty();
        }
    }

    /** Values below {@code below} (null: every value left), after the ranges before it. */
    public record Range(String name, BigDecimal below) {
    }

    /** A stage reached once {@code alias} (a milestone alias) has a value. */
    public record Stage(String name, String alias) {
    }

    public enum Function {
        COUNT, SUM, AVG;

        public String fileName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** {@code of}: the alias or duration it aggregates (null for count). */
    public record Measure(String name, Function function, String of) {
    }

    /** BizTalk names an RTA's objects bam_&lt;View&gt;_&lt;RTA&gt;_RTATable and _RTAView; ours _rta and _rta_view. */
    public String tableName(Naming naming, ViewDefinition view) {
        return "bam_" + view.name() + "_" + name + (naming == Naming.BIZTALK ? "_RTATable" : "_rta");
    }

    public String viewName(Naming naming, ViewDefinition view) {
        return "bam_" + view.name() + "_" + name + (naming == Naming.BIZTALK ? "_RTAView" : "_rta_view");
    }

    /** The number of dimension levels, as BizTalk counts them against its 14. */
    public int levelCount() {
        int count = time.levels().size();
        for (Dimension dimension : dimensions) {
            count += dimension.isData() ? dimension.levels().size() : 1;
        }
        return count;
    }

    // ---- parsing (called by DefinitionFile for a view's 'aggregations')

    private static final Set<String> TIME_KEYS = Set.of("alias", "levels");
    private static final Set<String> DIMENSION_KEYS = Set.of("name", "levels", "alias", "ranges", "stages");
    private static final Set<String> RANGE_KEYS = Set.of("name", "below");
    private static final Set<String> STAGE_KEYS = Set.of("name", "alias");
    private static final Set<String> MEASURE_KEYS = Set.of("name", "function", "of");
    /** The aggregation table's own columns. */
    private static final Set<String> OWN_COLUMNS = Set.of("dimkey", "slice");

    static AggregationDefinition parse(String where, JsonNode node, ViewDefinition view, ActivityDefinition activity,
                                       List<String> problems) {
        int before = problems.size();
        if (!node.isObject()) {
            problems.add(where + ": must be a mapping with 'name', 'time', 'dimensions' and 'measures'");
            return null;
        }
        DefinitionFile.unknownKeys(where, node, KEYS, problems);
        String name = DefinitionFile.text(node, "name");
        if (name == null) {
            problems.add(where + ": 'name' is missing");
            return null;
        }
        where = where.replaceAll("aggregations\\[\\d+]$", "") + "aggregation '" + Identifiers.printable(name) + "'";
        String problem = Identifiers.problem(name, Identifiers.MAX_ITEM_NAME);
        if (problem != null) {
            problems.add(where + ": name " + problem);
            return null;
        }
        Set<String> columns = new HashSet<>(OWN_COLUMNS);
        TimeDimension time = time(where, node.get("time"), view, activity, columns, problems);
        List<Dimension> dimensions = new ArrayList<>();
        JsonNode dimensionsNode = node.get("dimensions");
        if (dimensionsNode != null && !dimensionsNode.isArray()) {
            problems.add(where + ": 'dimensions' must be a list of data, range or progress dimensions");
        } else if (dimensionsNode != null) {
            int position = 0;
            for (JsonNode dimensionNode : dimensionsNode) {
                Dimension dimension = dimension(where + ", dimensions[" + position++ + "]", dimensionNode, view, activity, columns,
                        problems);
                if (dimension != null) {
                    dimensions.add(dimension);
                }
            }
        }
        List<Measure> measures = new ArrayList<>();
        JsonNode measuresNode = node.get("measures");
        if (measuresNode == null || !measuresNode.isArray() || measuresNode.isEmpty()) {
            problems.add(where + ": 'measures' must be a non-empty list of { name, function: count|sum|avg, of: alias or duration }");
        } else {
            int position = 0;
            for (JsonNode measureNode : measuresNode) {
                Measure measure = measure(where + ", measures[" + position++ + "]", measureNode, view, activity, columns, problems);
                if (measure != null) {
                    measures.add(measure);
                }
            }
        }
        Duration window = minutes(where, node, "window", Duration.ofDays(1), problems);
        Duration slice = minutes(where, node, "slice", Duration.ofHours(1), problems);
        if (window != null && slice != null && slice.compareTo(window) > 0) {
            problems.add(where + ": 'slice' must be at most the window (" + node.path("window").asText("1d")
                    + "); old slices are purged one at a time");
        }
        if (problems.size() > before) {
            return null;
        }
        AggregationDefinition aggregation = new AggregationDefinition(name, time, dimensions, measures, window, slice);
        if (aggregation.levelCount() > MAX_LEVELS) {
            problems.add(where + ": " + aggregation.levelCount() + " dimension levels; BizTalk allows at most " + MAX_LEVELS
                    + " in a real-time aggregation (each data level, time level, range and progress dimension counts one)");
            return null;
        }
        return aggregation;
    }

    private static TimeDimension time(String where, JsonNode node, ViewDefinition view, ActivityDefinition activity,
                                      Set<String> columns, List<String> problems) {
        if (node == null || !node.isObject()) {
            problems.add(where + ": 'time' is missing; a real-time aggregation needs a time dimension, as in BizTalk:"
                    + " time: { alias: <a milestone alias>, levels: [day, hour] }");
            return null;
        }
        DefinitionFile.unknownKeys(where + ", time", node, TIME_KEYS, problems);
        String alias = timeAlias(where + ", time", DefinitionFile.text(node, "alias"), view, activity, problems);
        JsonNode levelsNode = node.get("levels");
        List<TimeLevel> levels = new ArrayList<>();
        if (levelsNode == null || !levelsNode.isArray() || levelsNode.isEmpty()) {
            problems.add(where + ", time: 'levels' must list some of year, month, day, hour, minute");
            return null;
        }
        for (JsonNode levelNode : levelsNode) {
            TimeLevel level = TimeLevel.of(levelNode.asText());
            if (level == null || levels.contains(level)) {
                problems.add(where + ", time: level '" + Identifiers.printable(levelNode.asText()) + "' is "
                        + (level == null ? "not one of year, month, day, hour, minute" : "listed twice"));
                return null;
            }
            if (!columns.add(level.column().toLowerCase(Locale.ROOT))) {
                problems.add(where + ", time: level " + level.column() + " is also another column's name");
            }
            levels.add(level);
        }
        return alias == null ? null : new TimeDimension(alias, levels);
    }

    private static String timeAlias(String where, String alias, ViewDefinition view, ActivityDefinition activity,
                                    List<String> problems) {
        ViewDefinition.Alias found = alias == null ? null : view.alias(alias);
        if (found == null) {
            problems.add(where + ": 'alias' must name one of the view's aliases " + aliasNames(view)
                    + (alias == null ? " (it is missing)" : " (found '" + Identifiers.printable(alias) + "')"));
            return null;
        }
        if (!activity.item(found.items().get(0)).type().holdsTime()) {
            problems.add(where + ": alias '" + found.name() + "' holds " + activity.item(found.items().get(0)).type().fileName()
                    + " items; a time dimension or a stage needs an alias of milestone or timestamp items");
            return null;
        }
        return found.name();
    }

    private static Dimension dimension(String where, JsonNode node, ViewDefinition view, ActivityDefinition activity,
                                       Set<String> columns, List<String> problems) {
        String name = node.isObject() ? DefinitionFile.text(node, "name") : null;
        if (name == null) {
            problems.add(where + ": must be a mapping with 'name' and one of 'levels' (data), 'alias' with 'ranges' (numeric"
                    + " range) or 'stages' (progress)");
            return null;
        }
        DefinitionFile.unknownKeys(where, node, DIMENSION_KEYS, problems);
        where = where.replaceAll("dimensions\\[\\d+]$", "") + "dimension '" + Identifiers.printable(name) + "'";
        String problem = Identifiers.problem(name, Identifiers.MAX_ITEM_NAME);
        if (problem != null) {
            problems.add(where + ": name " + problem);
            return null;
        }
        int kinds = (node.has("levels") ? 1 : 0) + (node.has("ranges") ? 1 : 0) + (node.has("stages") ? 1 : 0);
        if (kinds != 1) {
            problems.add(where + ": give exactly one of 'levels' (a data dimension), 'ranges' (with 'alias': a numeric range"
                    + " dimension) and 'stages' (a progress dimension)");
            return null;
        }
        if (node.has("levels")) {
            List<String> levels = new ArrayList<>();
            JsonNode levelsNode = node.get("levels");
            if (!levelsNode.isArray() || levelsNode.isEmpty()) {
                problems.add(where + ": 'levels' must list aliases of the view, from the top level down");
                return null;
            }
            for (JsonNode level : levelsNode) {
                ViewDefinition.Alias alias = view.alias(level.asText());
                if (alias == null || activity.item(alias.items().get(0)).type().holdsTime()) {
                    problems.add(where + ": level '" + Identifiers.printable(level.asText()) + "' must name a view alias of"
                            + " text or number items " + aliasNames(view) + "; a time belongs in the time dimension");
                    return null;
                }
                if (!columns.add(alias.name().toLowerCase(Locale.ROOT))) {
                    problems.add(where + ": level '" + alias.name() + "' is used twice (a level is a column of the aggregation)");
                    return null;
                }
                levels.add(alias.name());
            }
            return new Dimension(name, levels, null, List.of(), List.of());
        }
        if (!columns.add(name.toLowerCase(Locale.ROOT))) {
            problems.add(where + ": name is used twice among the aggregation's columns (levels, dimensions, measures)");
            return null;
        }
        if (node.has("ranges")) {
            String aliasName = DefinitionFile.text(node, "alias");
            ViewDefinition.Alias alias = aliasName == null ? null : view.alias(aliasName);
            if (alias == null || !numeric(activity.item(alias.items().get(0)).type())) {
                problems.add(where + ": 'alias' must name a view alias of integer, decimal or float items " + aliasNames(view));
                return null;
            }
            List<Range> ranges = new ArrayList<>();
            JsonNode rangesNode = node.get("ranges");
            if (!rangesNode.isArray() || rangesNode.isEmpty()) {
                problems.add(where + ": 'ranges' must list { name, below: number }, ascending; the last may omit 'below'");
                return null;
            }
            BigDecimal last = null;
            int position = 0;
            for (JsonNode rangeNode : rangesNode) {
                DefinitionFile.unknownKeys(where + ", ranges[" + position + "]", rangeNode, RANGE_KEYS, problems);
                String rangeName = DefinitionFile.text(rangeNode, "name");
                JsonNode below = rangeNode.get("below");
                boolean lastOne = position == rangesNode.size() - 1;
                BigDecimal bound = below != null && below.isNumber() ? below.decimalValue() : null;
                if (rangeName == null || rangeName.isEmpty() || rangeName.length() > 128
                        || (bound == null && !(lastOne && below == null))
                        || (bound != null && last != null && bound.compareTo(last) <= 0)) {
                    problems.add(where + ", ranges[" + position + "]: give a name (1 to 128 characters) and 'below': a number"
                            + " above the previous range's (only the last range may omit it: every value left)");
                    return null;
                }
                ranges.add(new Range(rangeName, bound));
                last = bound;
                position++;
            }
            return new Dimension(name, List.of(), alias.name(), ranges, List.of());
        }
        List<Stage> stages = new ArrayList<>();
        JsonNode stagesNode = node.get("stages");
        if (!stagesNode.isArray() || stagesNode.isEmpty()) {
            problems.add(where + ": 'stages' must list { name, alias: a milestone alias }, in the order they are reached");
            return null;
        }
        int position = 0;
        for (JsonNode stageNode : stagesNode) {
            DefinitionFile.unknownKeys(where + ", stages[" + position + "]", stageNode, STAGE_KEYS, problems);
            String stageName = DefinitionFile.text(stageNode, "name");
            String alias = timeAlias(where + ", stages[" + position++ + "]", DefinitionFile.text(stageNode, "alias"), view, activity, problems);
            if (stageName == null || stageName.isEmpty() || stageName.length() > 128) {
                problems.add(where + ": every stage needs a name of 1 to 128 characters");
                return null;
            }
            if (alias == null) {
                return null;
            }
            stages.add(new Stage(stageName, alias));
        }
        return new Dimension(name, List.of(), null, List.of(), stages);
    }

    private static Measure measure(String where, JsonNode node, ViewDefinition view, ActivityDefinition activity,
                                   Set<String> columns, List<String> problems) {
        String name = node.isObject() ? DefinitionFile.text(node, "name") : null;
        if (name == null) {
            problems.add(where + ": must be a mapping with 'name', 'function' and (but for count) 'of'");
            return null;
        }
        DefinitionFile.unknownKeys(where, node, MEASURE_KEYS, problems);
        where = where.replaceAll("measures\\[\\d+]$", "") + "measure '" + Identifiers.printable(name) + "'";
        String problem = Identifiers.problem(name, Identifiers.MAX_ITEM_NAME - 6); // avg keeps <name>_Count beside it
        if (problem != null) {
            problems.add(where + ": name " + problem);
            return null;
        }
        String functionName = String.valueOf(DefinitionFile.text(node, "function")).toLowerCase(Locale.ROOT);
        if (functionName.equals("min") || functionName.equals("max")) {
            problems.add(where + ": function " + functionName + " is refused, as BizTalk refuses it in a real-time aggregation:"
                    + " a kept minimum or maximum cannot follow an instance whose value moves away from it without reading every"
                    + " instance again; query MIN/MAX over the view instead");
            return null;
        }
        Function function = null;
        for (Function candidate : Function.values()) {
            if (candidate.fileName().equals(functionName)) {
                function = candidate;
            }
        }
        if (function == null) {
            problems.add(where + ": 'function' must be count, sum or avg (found '" + Identifiers.printable(functionName) + "')");
            return null;
        }
        String of = DefinitionFile.text(node, "of");
        if (function == Function.COUNT) {
            if (of != null) {
                problems.add(where + ": count counts instances; remove 'of'");
                return null;
            }
        } else {
            ViewDefinition.Alias alias = of == null ? null : view.alias(of);
            ViewDefinition.Duration duration = of == null ? null : view.duration(of);
            if (duration != null) {
                of = duration.name();
            } else if (alias != null && numeric(activity.item(alias.items().get(0)).type())) {
                of = alias.name();
            } else {
                problems.add(where + ": 'of' must name a duration of the view or an alias of integer, decimal or float items"
                        + (of == null ? " (it is missing)" : " (found '" + Identifiers.printable(of) + "')"));
                return null;
            }
        }
        if (!columns.add(name.toLowerCase(Locale.ROOT)) || (function == Function.AVG
                && !columns.add((name + "_count").toLowerCase(Locale.ROOT)))) {
            problems.add(where + ": name is used twice among the aggregation's columns (levels, dimensions, measures)");
            return null;
        }
        return new Measure(name, function, of);
    }

    /** BizTalk's RTAWindow and RTATimeSlice are minutes: 90m, 2h or 1d here. */
    private static Duration minutes(String where, JsonNode node, String key, Duration fallback, List<String> problems) {
        JsonNode value = node.get(key);
        if (value == null) {
            return fallback;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([1-9][0-9]{0,6})([mhd])").matcher(value.asText().strip());
        if (!m.matches()) {
            problems.add(where + ": '" + key + "' must be whole minutes, hours or days (90m, 2h, 1d), found '"
                    + Identifiers.printable(value.asText()) + "'");
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    static boolean numeric(ItemType type) {
        return type == ItemType.INTEGER || type == ItemType.DECIMAL || type == ItemType.FLOAT;
    }

    private static List<String> aliasNames(ViewDefinition view) {
        return view.aliases().stream().map(ViewDefinition.Alias::name).toList();
    }
}
