package io.bambus.core.aggregate;

import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** The deployed real-time aggregations, found by name, and their rows as the query view shows them. */
public final class Aggregations {

    private final DataSource destination;

    public Aggregations(DataSource destination) {
        this.destination = destination;
    }

    /** One deployed aggregation: its activity, its table and query view. */
    public record Deployed(String name, String view, ActivityDefinition activity, AggregationTable table, String queryView,
                           List<String> levels, List<String> measures) {
    }

    /** A measure as the UI pivots it: its function, and the columns holding its sum (and count). */
    public record MeasureColumns(String name, String function, String sum, String count) {
    }

    /** The window's rows as kept (sums and counts, so they can be added up in any pivot), oldest slice first. */
    public record Raw(String name, String queryView, List<String> levels, List<MeasureColumns> measures, long windowMinutes,
                      long sliceMinutes, boolean truncated, List<Map<String, Object>> rows) {
    }

    /** The window's rows of the table itself, at most {@code limit} ({@code truncated} says when more were left). */
    public Raw raw(Deployed aggregation, int limit) throws SQLException {
        List<MeasureColumns> measures = new ArrayList<>();
        for (var measure : aggregation.table().definition().measures()) {
            String function = measure.function().fileName();
            measures.add(new MeasureColumns(measure.name(), function, measure.name(),
                    function.equals("avg") ? measure.name() + "_Count" : null));
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        long window = aggregation.table().definition().window().toMinutes();
        try (Connection connection = destination.getConnection();
             var select = connection.prepareStatement("SELECT * FROM " + aggregation.table().table()
                     + " WHERE `Slice` >= UTC_TIMESTAMP() - INTERVAL ? MINUTE ORDER BY `Slice`, `DimKey` LIMIT ?")) {
            select.setLong(1, window);
            select.setInt(2, limit + 1);
            try (ResultSet result = select.executeQuery()) {
                ResultSetMetaData meta = result.getMetaData();
                while (result.next() && rows.size() < limit + 1) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        String column = meta.getColumnLabel(i);
                        if (column.equals("DimKey")) {
                            continue;
                        }
                        Object value = result.getObject(i);
                        row.put(column, value instanceof java.time.LocalDateTime t ? t.toInstant(java.time.ZoneOffset.UTC)
                                .toEpochMilli() : value instanceof java.math.BigDecimal b ? b.doubleValue() : value);
                    }
                    rows.add(row);
                }
            }
        }
        boolean truncated = rows.size() > limit;
        return new Raw(aggregation.view() + "." + aggregation.name(), aggregation.queryView(), aggregation.levels(), measures,
                window, aggregation.table().definition().slice().toMinutes(), truncated,
                truncated ? rows.subList(0, limit) : rows);
    }

    /** The window's rows: each row's level values and measures, by column. */
    public record Rows(String name, String queryView, List<String> levels, List<String> measures,
                       List<Map<String, Object>> rows) {
    }

    public List<Deployed> deployed() throws SQLException {
        List<Deployed> found = new ArrayList<>();
        List<ActivityDefinition> activities = new ArrayList<>();
        try (Connection connection = destination.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT activity, definition FROM bam_definitions ORDER BY activity")) {
            while (rows.next()) {
                activities.add(DefinitionFile.fromJson("bam_definitions[" + rows.getString(1) + "]", rows.getString(2)));
            }
        }
        for (ActivityDefinition activity : activities) {
            for (AggregationTable table : AggregationTable.of(activity)) {
                List<String> measures = table.definition().measures().stream()
                        .map(io.bambus.core.activity.AggregationDefinition.Measure::name).toList();
                found.add(new Deployed(table.definition().name(), table.view().name(), activity, table,
                        table.definition().viewName(activity.naming(), table.view()),
                        List.copyOf(table.keyColumns()), measures));
            }
        }
        return found;
    }

    /**
     * The aggregation {@code name} (or {@code View.name}); IllegalArgumentException naming the
     * deployed ones when there is none or more than one.
     */
    public Deployed find(String name) throws SQLException {
        List<Deployed> all = deployed();
        List<Deployed> matches = all.stream().filter(d -> d.name().equalsIgnoreCase(name)
                || (d.view() + "." + d.name()).equalsIgnoreCase(name)).toList();
        if (matches.size() == 1) {
            return matches.get(0);
        }
        List<String> names = all.stream().map(d -> d.view() + "." + d.name()).toList();
        throw new IllegalArgumentException(matches.isEmpty()
                ? "no aggregation '" + Identifiers.printable(name) + "' is deployed; the deployed ones are " + names
                : "'" + Identifiers.printable(name) + "' names " + matches.size() + " aggregations; give View.Name, one of " + names);
    }

    /** Rows of the query view (the window's), at most {@code limit}, largest count first. */
    public Rows rows(Deployed aggregation, int limit) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        String order = aggregation.measures().isEmpty() ? "" : " ORDER BY " + Identifiers.quote(aggregation.measures().get(0))
                + " DESC";
        try (Connection connection = destination.getConnection();
             Statement statement = connection.createStatement()) {
            statement.setMaxRows(limit);
            try (ResultSet result = statement.executeQuery("SELECT * FROM " + Identifiers.quote(aggregation.queryView()) + order)) {
                ResultSetMetaData meta = result.getMetaData();
                while (result.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        Object value = result.getObject(i);
                        row.put(meta.getColumnLabel(i), value instanceof java.time.LocalDateTime t ? t.toString() + "Z"
                                : value instanceof java.math.BigDecimal b ? b.stripTrailingZeros().toPlainString() : value);
                    }
                    rows.add(row);
                }
            }
        }
        return new Rows(aggregation.view() + "." + aggregation.name(), aggregation.queryView(), aggregation.levels(),
                aggregation.measures(), rows);
    }
}
