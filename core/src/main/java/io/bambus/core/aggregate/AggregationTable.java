package io.bambus.core.aggregate;

import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.activity.AggregationDefinition;
import io.bambus.core.activity.AggregationDefinition.Dimension;
import io.bambus.core.activity.AggregationDefinition.Function;
import io.bambus.core.activity.AggregationDefinition.Measure;
import io.bambus.core.activity.ItemDefinition;
import io.bambus.core.activity.ItemType;
import io.bambus.core.activity.ViewDefinition;
import io.bambus.core.sql.Identifiers;
import io.bambus.core.sql.SqlTimes;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One real-time aggregation's table: a row per combination of dimension levels (and time slice)
 * with each measure kept as a sum (an average as sum and count) and the number of instances in it.
 * An instance contributes to one row, computed from its item values as the activity view shows
 * them; when its values change in a batch its contribution moves: {@link #apply} subtracts the old
 * and adds the new in the batch's own transaction, so a replayed, fenced or rolled-back batch
 * counts nothing twice and loses nothing. Rows whose last instance left are deleted. Statements
 * take the rows in key order, so two sessions' batches never wait on each other in a cycle here.
 */
public final class AggregationTable {

    private final ActivityDefinition activity;
    private final ViewDefinition view;
    private final AggregationDefinition aggregation;
    private final List<ItemDefinition> items;
    private final String table;
    /** Key columns after DimKey and Slice, in order: time levels, data levels, ranges and stages. */
    private final List<String> keyColumns = new ArrayList<>();
    private final List<String> keySqlTypes = new ArrayList<>();
    /** Measure columns: a sum column per measure (count: instances), and a count column after an avg's sum. */
    private final List<String> measureColumns = new ArrayList<>();
    private final List<Boolean> exactSums = new ArrayList<>();
    private final List<String> measureSqlTypes = new ArrayList<>();
    /** Each alias's items (by lower-case name), as positions in an instance's values: contributions are on the batch's path. */
    private final Map<String, int[]> aliasPositions = new java.util.HashMap<>();

    public AggregationTable(ActivityDefinition activity, ViewDefinition view, AggregationDefinition aggregation) {
        this.activity = activity;
        this.view = view;
        this.aggregation = aggregation;
        this.items = activity.items();
        this.table = Identifiers.quote(aggregation.tableName(activity.naming(), view));
        for (ViewDefinition.Alias alias : view.aliases()) {
            aliasPositions.put(alias.name().toLowerCase(java.util.Locale.ROOT), alias.items().stream().mapToInt(i -> items.indexOf(activity.item(i))).toArray());
        }
        for (AggregationDefinition.TimeLevel level : aggregation.time().levels()) {
            keyColumns.add(level.column());
            keySqlTypes.add("INT");
        }
        for (Dimension dimension : aggregation.dimensions()) {
            if (dimension.isData()) {
                for (String level : dimension.levels()) {
                    keyColumns.add(view.alias(level).name());
                    String type = activity.item(view.alias(level).items().get(0)).sqlType();
                    // grouped exactly, as the bus computes the rows: not case- or accent-insensitively
                    keySqlTypes.add(type.startsWith("VARCHAR") ? type + " COLLATE utf8mb4_bin" : type);
                }
            } else {
                keyColumns.add(dimension.name());
                keySqlTypes.add("VARCHAR(128)");
            }
        }
        for (Measure measure : aggregation.measures()) {
            measureColumns.add(measure.name());
            boolean exact = measure.function() == Function.COUNT || exact(measure.of());
            exactSums.add(exact);
            measureSqlTypes.add(measure.function() == Function.COUNT ? "BIGINT" : exact ? "DECIMAL(65,30)" : "DOUBLE");
            if (measure.function() == Function.AVG) {
                measureColumns.add(measure.name() + "_Count");
                exactSums.add(true);
                measureSqlTypes.add("BIGINT");
            }
        }
    }

    /** Every aggregation of {@code activity}'s views. */
    public static List<AggregationTable> of(ActivityDefinition activity) {
        List<AggregationTable> tables = new ArrayList<>();
        for (ViewDefinition view : activity.views()) {
            for (AggregationDefinition aggregation : view.aggregations()) {
                tables.add(new AggregationTable(activity, view, aggregation));
            }
        }
        return tables;
    }

    public String table() {
        return table;
    }

    /** The unquoted table name. */
    public String tableName() {
        return aggregation.tableName(activity.naming(), view);
    }

    /** What the rows depend on: the aggregation, its view's aliases and durations, the items' types (SHA-256, hex). */
    public String fingerprint() {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest((aggregation + "|" + view.aliases()
                    + "|" + view.durations() + "|" + items).getBytes(StandardCharsets.UTF_8))).substring(0, 64);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SQL for the time alias's value over an activity table's columns. */
    String timeExpression() {
        return view.alias(aggregation.time().alias()).sql();
    }

    public AggregationDefinition definition() {
        return aggregation;
    }

    public ViewDefinition view() {
        return view;
    }

    /** Whether {@code of} (an alias or duration) sums exactly: integer and decimal items do, floats and durations are DOUBLE. */
    private boolean exact(String of) {
        ViewDefinition.Alias alias = view.alias(of);
        if (alias == null) {
            return false; // a duration
        }
        ItemType type = activity.item(alias.items().get(0)).type();
        return type == ItemType.INTEGER || type == ItemType.DECIMAL;
    }

    // ---- DDL

    public List<String> createStatements() {
        StringBuilder ddl = new StringBuilder("CREATE TABLE IF NOT EXISTS " + table + " (\n  `DimKey` BINARY(16) NOT NULL,\n"
                + "  `Slice` DATETIME NOT NULL,\n");
        for (int i = 0; i < keyColumns.size(); i++) {
            ddl.append("  ").append(Identifiers.quote(keyColumns.get(i))).append(' ').append(keySqlTypes.get(i)).append(" NULL,\n");
        }
        ddl.append("  `Instances` BIGINT NOT NULL,\n");
        for (int i = 0; i < measureColumns.size(); i++) {
            ddl.append("  ").append(Identifiers.quote(measureColumns.get(i))).append(' ').append(measureSqlTypes.get(i))
                    .append(" NOT NULL,\n");
        }
        ddl.append("  PRIMARY KEY (`DimKey`),\n  KEY `ix_slice` (`Slice`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
        return List.of(ddl.toString(), viewStatement());
    }

    /** The query view: the window's rows, an average as sum over count (null with no values). */
    private String viewStatement() {
        StringBuilder columns = new StringBuilder();
        for (String key : keyColumns) {
            columns.append(Identifiers.quote(key)).append(", ");
        }
        int column = 0;
        for (Measure measure : aggregation.measures()) {
            String sum = Identifiers.quote(measureColumns.get(column));
            if (measure.function() == Function.AVG) {
                String count = Identifiers.quote(measureColumns.get(column + 1));
                columns.append("CASE WHEN ").append(count).append(" = 0 THEN NULL ELSE ").append(sum).append(" / ").append(count)
                        .append(" END AS ").append(Identifiers.quote(measure.name())).append(", ");
                column += 2;
            } else {
                columns.append(sum).append(", ");
                column++;
            }
        }
        columns.append("`Slice`, `Instances`");
        return "CREATE OR REPLACE VIEW " + Identifiers.quote(aggregation.viewName(activity.naming(), view)) + " AS\n  SELECT "
                + columns + " FROM " + table + " WHERE `Slice` >= UTC_TIMESTAMP() - INTERVAL " + aggregation.window().toMinutes()
                + " MINUTE";
    }

    // ---- contributions

    /** One instance's part: its row's key values and its measures (null when its time alias has no value). */
    record Contribution(List<Object> key, Object[] measures) {
    }

    /** What an instance with item values {@code values} (the activity's item order) adds to this aggregation. */
    Contribution contribution(Object[] values) {
        if (values == null) {
            return null;
        }
        LocalDateTime time = (LocalDateTime) alias(aggregation.time().alias(), values);
        if (time == null) {
            return null; // BizTalk's RTA counts an instance in the time slice of its milestone: none yet
        }
        List<Object> key = new ArrayList<>();
        long sliceMinutes = aggregation.slice().toMinutes();
        long minutes = Math.floorDiv(time.toEpochSecond(ZoneOffset.UTC), 60L);
        key.add(LocalDateTime.ofEpochSecond(Math.floorDiv(minutes, sliceMinutes) * sliceMinutes * 60, 0, ZoneOffset.UTC));
        for (AggregationDefinition.TimeLevel level : aggregation.time().levels()) {
            key.add(switch (level) {
                case YEAR -> time.getYear();
                case MONTH -> time.getMonthValue();
                case DAY -> time.getDayOfMonth();
                case HOUR -> time.getHour();
                case MINUTE -> time.getMinute();
            });
        }
        for (Dimension dimension : aggregation.dimensions()) {
            if (dimension.isData()) {
                for (String level : dimension.levels()) {
                    key.add(alias(level, values));
                }
            } else if (dimension.isRange()) {
                Object value = alias(dimension.alias(), values);
                String range = null;
                if (value != null) {
                    BigDecimal number = value instanceof BigDecimal b ? b : value instanceof Long l ? BigDecimal.valueOf(l)
                            : BigDecimal.valueOf((Double) value);
                    for (AggregationDefinition.Range candidate : dimension.ranges()) {
                        if (candidate.below() == null || number.compareTo(candidate.below()) < 0) {
                            range = candidate.name();
                            break;
                        }
                    }
                }
                key.add(range);
            } else {
                String stage = null; // the last stage reached: the last listed whose milestone has a value
                for (AggregationDefinition.Stage candidate : dimension.stages()) {
                    if (alias(candidate.alias(), values) != null) {
                        stage = candidate.name();
                    }
                }
                key.add(stage);
            }
        }
        Object[] measures = new Object[measureColumns.size()];
        int column = 0;
        for (Measure measure : aggregation.measures()) {
            if (measure.function() == Function.COUNT) {
                measures[column++] = BigDecimal.ONE;
                continue;
            }
            Object value = measure(measure.of(), values);
            if (value instanceof Double d && !Double.isFinite(d)) {
                throw new IllegalArgumentException("measure " + measure.name() + " of " + table + " is not a finite number");
            }
            boolean exact = exactSums.get(column);
            measures[column++] = value == null ? (exact ? BigDecimal.ZERO : (Object) 0.0)
                    : exact ? (value instanceof Long l ? BigDecimal.valueOf(l) : (BigDecimal) value) : ((Number) value).doubleValue();
            if (measure.function() == Function.AVG) {
                measures[column++] = value == null ? BigDecimal.ZERO : BigDecimal.ONE;
            }
        }
        return new Contribution(key, measures);
    }

    /** An alias's value: the first of its items that has one. */
    private Object alias(String aliasName, Object[] values) {
        for (int position : aliasPositions.get(aliasName.toLowerCase(java.util.Locale.ROOT))) {
            Object value = values[position];
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /** An alias's value, or a duration's: to − from in its resolution (null while either end is). */
    private Object measure(String of, Object[] values) {
        ViewDefinition.Duration duration = view.duration(of);
        if (duration == null) {
            return alias(of, values);
        }
        LocalDateTime from = (LocalDateTime) alias(duration.from(), values);
        LocalDateTime to = (LocalDateTime) alias(duration.to(), values);
        return from == null || to == null ? null
                : (double) ChronoUnit.MICROS.between(from, to) / duration.resolution().micros;
    }

    // ---- maintenance

    /** Changes to apply, by row: collected over a batch's instances, written in key order. */
    public final class Deltas {
        private final Map<String, Object[]> rows = new TreeMap<>(); // DimKey (hex) -> [key values, instances, measures...]

        /** Moves an instance's contribution from what {@code before} gave to what {@code after} gives (null: none). */
        public void move(Object[] before, Object[] after) {
            Contribution old = contribution(before);
            Contribution now = contribution(after);
            if (old != null && now != null && old.key().equals(now.key()) && Arrays.equals(old.measures(), now.measures())) {
                return;
            }
            add(old, -1);
            add(now, 1);
        }

        private void add(Contribution contribution, int sign) {
            if (contribution == null) {
                return;
            }
            Object[] row = rows.computeIfAbsent(dimKey(contribution.key()), k -> {
                Object[] fresh = new Object[2 + measureColumns.size()];
                fresh[0] = contribution.key();
                fresh[1] = 0L;
                for (int i = 0; i < measureColumns.size(); i++) {
                    fresh[2 + i] = exactSums.get(i) ? BigDecimal.ZERO : (Object) 0.0;
                }
                return fresh;
            });
            row[1] = (Long) row[1] + sign;
            for (int i = 0; i < measureColumns.size(); i++) {
                Object value = contribution.measures()[i];
                row[2 + i] = value instanceof BigDecimal b ? ((BigDecimal) row[2 + i]).add(sign > 0 ? b : b.negate())
                        : (Double) row[2 + i] + sign * (Double) value;
            }
        }

        public boolean isEmpty() {
            return rows.isEmpty();
        }

        /** Writes the changes in {@code connection}'s transaction, rows in key order; deletes rows left empty. */
        public void apply(Connection connection) throws SQLException {
            if (rows.isEmpty()) {
                return;
            }
            StringBuilder columns = new StringBuilder("`DimKey`, `Slice`");
            keyColumns.forEach(c -> columns.append(", ").append(Identifiers.quote(c)));
            columns.append(", `Instances`");
            StringBuilder updates = new StringBuilder("`Instances` = `Instances` + VALUES(`Instances`)");
            for (String measure : measureColumns) {
                String quoted = Identifiers.quote(measure);
                columns.append(", ").append(quoted);
                updates.append(", ").append(quoted).append(" = ").append(quoted).append(" + VALUES(").append(quoted).append(')');
            }
            int width = 3 + keyColumns.size() + measureColumns.size();
            boolean emptied = false;
            try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO " + table + " (" + columns + ") VALUES ("
                    + "?, ".repeat(width - 1) + "?) ON DUPLICATE KEY UPDATE " + updates)) {
                for (Map.Entry<String, Object[]> entry : rows.entrySet()) {
                    Object[] row = entry.getValue();
                    if ((Long) row[1] == 0 && allZero(row)) {
                        continue; // moved out and back in within the batch
                    }
                    emptied |= (Long) row[1] < 0;
                    bindRow(upsert, entry.getKey(), row);
                    upsert.addBatch();
                }
                upsert.executeBatch();
            }
            if (emptied) {
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table
                        + " WHERE `DimKey` = ? AND `Instances` = 0")) {
                    for (Map.Entry<String, Object[]> entry : rows.entrySet()) {
                        if ((Long) entry.getValue()[1] < 0) {
                            delete.setBytes(1, hex(entry.getKey()));
                            delete.addBatch();
                        }
                    }
                    delete.executeBatch();
                }
            }
        }

        private boolean allZero(Object[] row) {
            for (int i = 2; i < row.length; i++) {
                if (row[i] instanceof BigDecimal b ? b.signum() != 0 : (Double) row[i] != 0.0) {
                    return false;
                }
            }
            return true;
        }
    }

    public Deltas deltas() {
        return new Deltas();
    }

    @SuppressWarnings("unchecked")
    private void bindRow(PreparedStatement statement, String dimKey, Object[] row) throws SQLException {
        List<Object> key = (List<Object>) row[0];
        int at = 1;
        statement.setBytes(at++, hex(dimKey));
        SqlTimes.bind(statement, at++, (LocalDateTime) key.get(0));
        for (int i = 1; i < key.size(); i++) {
            Object value = key.get(i);
            if (value == null) {
                statement.setNull(at++, Types.NULL);
            } else if (value instanceof LocalDateTime time) {
                SqlTimes.bind(statement, at++, time);
            } else {
                statement.setObject(at++, value);
            }
        }
        statement.setLong(at++, (Long) row[1]);
        for (int i = 2; i < row.length; i++) {
            statement.setObject(at++, row[i]);
        }
    }

    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    /** The row's key: MD5 of its dimension values, each tagged with its type (hex, for ordering). */
    static String dimKey(List<Object> key) {
        StringBuilder text = new StringBuilder();
        for (Object value : key) {
            text.append(value == null ? "n" : value.getClass().getSimpleName().charAt(0) + String.valueOf(
                    value instanceof BigDecimal b ? b.stripTrailingZeros().toPlainString() : value)).append('\u0000');
        }
        return java.util.HexFormat.of().formatHex(MD5.get().digest(text.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] hex(String hex) {
        return java.util.HexFormat.of().parseHex(hex);
    }

    List<String> keyColumns() {
        return keyColumns;
    }

    List<String> measureColumns() {
        return measureColumns;
    }
}
