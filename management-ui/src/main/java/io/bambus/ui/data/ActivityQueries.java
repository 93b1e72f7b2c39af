package io.bambus.ui.data;

import io.bambus.core.aggregate.Aggregations;
import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.activity.ItemDefinition;
import io.bambus.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Read-only queries on the destination's activity tables, for the Activities page. Table and
 * column names come from the deployed definitions only (never from the request), values are bound.
 */
public final class ActivityQueries {

    public static final int MAX_PAGE = 200;

    private final DataSource destination;

    public ActivityQueries(DataSource destination) {
        this.destination = destination;
    }

    public record ActivitySummary(String name, long active, long completed, List<String> items) {
    }

    /** One page of instances; {@code rows} hold column name → value (as text). */
    public record InstancePage(String activity, String status, long total, long offset, List<String> columns,
                               List<Map<String, String>> rows) {
    }

    public record Instance(String activity, String status, Map<String, String> data, List<Map<String, String>> references,
                           List<Map<String, String>> relatedActivities, List<Map<String, String>> continuations) {
    }

    /** Bad input in a query (unknown activity or item, bad status): the message names it and what is allowed. */
    public static final class BadQueryException extends RuntimeException {
        public BadQueryException(String message) {
            super(message);
        }
    }

    /** Rows of one aggregation the page pivots: at most this many (the newest slices are dropped beyond it). */
    public static final int MAX_AGGREGATION_ROWS = 20_000;

    /** The deployed real-time aggregations: name (View.Name), activity, levels and measures. */
    public List<Map<String, Object>> aggregations() throws SQLException {
        List<Map<String, Object>> result = new ArrayList<>();
        for (Aggregations.Deployed d : new Aggregations(destination).deployed()) {
            Map<String, Object> entry = new java.util.LinkedHashMap<>();
            entry.put("name", d.view() + "." + d.name());
            entry.put("activity", d.activity().name());
            entry.put("queryView", d.queryView());
            entry.put("levels", d.levels());
            entry.put("measures", d.measures());
            result.add(entry);
        }
        return result;
    }

    /** One aggregation's window, as kept (sums and counts), for the page to pivot and chart. */
    public Aggregations.Raw aggregation(String name) throws SQLException {
        Aggregations aggregations = new Aggregations(destination);
        try {
            return aggregations.raw(aggregations.find(name), MAX_AGGREGATION_ROWS);
        } catch (IllegalArgumentException e) {
            throw new BadQueryException(e.getMessage());
        }
    }

    public List<ActivitySummary> activities() throws SQLException {
        List<ActivitySummary> result = new ArrayList<>();
        try (Connection connection = destination.getConnection()) {
            for (ActivityDefinition definition : ActivityDeployer.deployed(connection).values()) {
                result.add(new ActivitySummary(definition.name(), count(connection, definition.activeTable()),
                        count(connection, definition.completedTable()),
                        definition.items().stream().map(ItemDefinition::name).toList()));
            }
        }
        result.sort((a, b) -> a.name().compareToIgnoreCase(b.name()));
        return result;
    }

    /**
     * Instances of {@code activity} in {@code status} (active, completed or all) whose id starts with
     * {@code idPrefix} and, when {@code item} is given, whose item equals {@code value}; newest first.
     */
    public InstancePage instances(String activity, String status, String idPrefix, String item, String value, long offset,
                                  int limit) throws SQLException {
        try (Connection connection = destination.getConnection()) {
            ActivityDefinition definition = definition(connection, activity);
            String table = table(definition, status);
            List<Object> args = new ArrayList<>();
            StringBuilder where = new StringBuilder(" WHERE 1=1");
            if (idPrefix != null && !idPrefix.isEmpty()) {
                where.append(" AND `ActivityID` LIKE ? ESCAPE '!'");
                args.add(idPrefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
            }
            if (item != null && !item.isEmpty()) {
                ItemDefinition itemDefinition = definition.item(item);
                if (itemDefinition == null) {
                    throw new BadQueryException("activity " + definition.name() + " has no item '" + Identifiers.shorten(item, 60)
                            + "'; its items are " + definition.items().stream().map(ItemDefinition::name).toList());
                }
                where.append(" AND ").append(itemDefinition.column()).append(" = ?");
                args.add(searchValue(itemDefinition, value == null ? "" : value));
            }
            long total;
            try (PreparedStatement select = connection.prepareStatement("SELECT COUNT(*) FROM " + table + where)) {
                bind(select, args);
                try (ResultSet rows = select.executeQuery()) {
                    rows.next();
                    total = rows.getLong(1);
                }
            }
            int size = Math.max(1, Math.min(limit, MAX_PAGE));
            try (PreparedStatement select = connection.prepareStatement("SELECT * FROM " + table + where
                    + " ORDER BY `LastModified` DESC, `ActivityID` LIMIT ? OFFSET ?")) {
                bind(select, args);
                select.setInt(args.size() + 1, size);
                select.setLong(args.size() + 2, Math.max(0, offset));
                try (ResultSet rows = select.executeQuery()) {
                    List<Map<String, String>> list = rows(rows);
                    return new InstancePage(definition.name(), status, total, Math.max(0, offset), columns(rows), list);
                }
            }
        }
    }

    /** One instance with its references, related activities and continuations, or null. */
    public Instance instance(String activity, String id) throws SQLException {
        try (Connection connection = destination.getConnection()) {
            ActivityDefinition definition = definition(connection, activity);
            String status = "active";
            List<Map<String, String>> data = select(connection, "SELECT * FROM " + definition.activeTable()
                    + " WHERE `ActivityID` = ?", id);
            if (data.isEmpty()) {
                status = "completed";
                data = select(connection, "SELECT * FROM " + definition.completedTable() + " WHERE `ActivityID` = ?", id);
            }
            if (data.isEmpty()) {
                return null;
            }
            List<Map<String, String>> relationships = select(connection, "SELECT `ReferenceType`, `ReferenceName`, `ReferenceData`,"
                    + " `LongReferenceData`, `LastModified` FROM " + definition.relationshipsTable() + " WHERE `ActivityID` = ?"
                    + " ORDER BY `LastModified`", id);
            List<Map<String, String>> references = new ArrayList<>();
            List<Map<String, String>> related = new ArrayList<>();
            for (Map<String, String> row : relationships) {
                ("Activity".equalsIgnoreCase(row.get("ReferenceType")) ? related : references).add(row);
            }
            List<Map<String, String>> continuations = select(connection, "SELECT " + definition.naming().tokenColumn()
                    + " AS `ContinuationToken`, `LastModified` FROM " + definition.continuationsTable() + " WHERE "
                    + definition.naming().continuedColumn() + " = ? ORDER BY `LastModified`", id);
            return new Instance(definition.name(), status, data.get(0), references, related, continuations);
        }
    }

    /**
     * {@code text} as a value of {@code item}'s type, so the database compares like with like
     * (MariaDB would cast 'abc' to 0 and '5abc' to 5 against a number column); a value the type
     * cannot hold is refused with the reason.
     */
    static Object searchValue(ItemDefinition item, String text) {
        try {
            return item.type().searchValue(item, text);
        } catch (IllegalArgumentException refused) {
            throw new BadQueryException(refused.getMessage());
        }
    }

    private static ActivityDefinition definition(Connection connection, String activity) throws SQLException {
        Map<String, ActivityDefinition> deployed = ActivityDeployer.deployed(connection);
        ActivityDefinition definition = activity == null ? null : deployed.get(activity.toLowerCase(Locale.ROOT));
        if (definition == null) {
            throw new BadQueryException("no activity '" + Identifiers.shorten(String.valueOf(activity), 60)
                    + "' is deployed; the deployed ones are " + deployed.values().stream().map(ActivityDefinition::name).toList());
        }
        return definition;
    }

    private static String table(ActivityDefinition definition, String status) {
        return switch (status == null ? "all" : status) {
            case "active" -> definition.activeTable();
            case "completed" -> definition.completedTable();
            case "all" -> definition.allInstancesView();
            default -> throw new BadQueryException("status '" + Identifiers.shorten(status, 20)
                    + "' is not one of active, completed, all");
        };
    }

    private static long count(Connection connection, String table) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT COUNT(*) FROM " + table);
             ResultSet rows = select.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static List<Map<String, String>> select(Connection connection, String sql, String arg) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            select.setString(1, arg);
            try (ResultSet rows = select.executeQuery()) {
                return rows(rows);
            }
        }
    }

    private static List<String> columns(ResultSet rows) throws SQLException {
        ResultSetMetaData meta = rows.getMetaData();
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            columns.add(meta.getColumnLabel(i));
        }
        return columns;
    }

    private static List<Map<String, String>> rows(ResultSet rows) throws SQLException {
        List<String> columns = columns(rows);
        List<Map<String, String>> result = new ArrayList<>();
        while (rows.next()) {
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                row.put(columns.get(i), rows.getString(i + 1));
            }
            result.add(row);
        }
        return result;
    }

    private static void bind(PreparedStatement statement, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            statement.setObject(i + 1, args.get(i));
        }
    }
}
