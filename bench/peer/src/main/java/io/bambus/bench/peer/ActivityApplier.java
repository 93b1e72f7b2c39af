package io.bambus.bench.peer;

import io.bambus.core.event.DecodedEvent;
import io.bambus.core.event.EventStream;
import io.bambus.core.sql.Identifiers;
import io.bambus.core.sql.SqlTimes;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The events of one activity applied to its tables on one destination connection, one statement
 * per event (End: two), each prepared once. What a user writes by hand over a change stream:
 *
 * <ul>
 *   <li>Begin and Update upsert the active row (an Update of an instance whose Begin was not seen
 *       creates it). End copies the active row into the completed table and deletes it.</li>
 *   <li>EnableContinuation stores the token in the continuations table and in a cache of this
 *       applier (loaded from the table when the applier is made); later events of the token apply
 *       to the instance it continues. End of a token deletes its row; the instance completes when
 *       its own End came (kept as {@code IsComplete = 1} on its active row) and no token of it is
 *       left open.</li>
 *   <li>AddReference and AddRelatedActivity upsert a row of the relationships table.</li>
 * </ul>
 *
 * <p>Replays after a crash (at-least-once) converge: a completed row is never overwritten (the
 * copy is INSERT IGNORE on its unique ActivityID), and a Begin or Update replayed after its End
 * re-creates an active row for a moment, until the replayed End, which follows it in the same
 * stream, deletes it again.
 *
 * <p>Not handled, unlike the bus: no check that an instance is already completed (see above); an
 * End of an instance that has no active row completes nothing; BeganAt is not written; a token
 * enabled by another source while this peer runs is not seen (each applier caches its own); a
 * replay that starts after a token's EnableContinuation but before its End finds the token gone
 * (its End deleted the row before the crash), so the token's replayed Updates and End make a stray
 * completed row named after the token; only the default table naming ({@code bam_X_active}, ...,
 * {@code ContinuationToken}) is known.
 */
final class ActivityApplier implements AutoCloseable {

    /** An event this activity cannot take; the message is the reason logged. */
    static final class RefusedEventException extends Exception {
        RefusedEventException(String message) {
            super(message, null, false, false);
        }
    }

    private enum ColumnType { TEXT, INTEGER, DECIMAL, FLOAT, DATETIME }

    private record Column(String quoted, ColumnType type) {
    }

    private static final int MAX_REFERENCE_DATA = 255;

    private final String activity;
    private final Connection connection;
    private final String active;
    private final String completed;
    private final String continuations;
    private final String relationships;
    /** Item columns by lower-case name (MariaDB column names ignore case), in table order. */
    private final Map<String, Column> items;
    private final String itemList;
    /** Open continuations: token → the instance it continues; and per instance, how many are open. */
    private final Map<String, String> tokens = new HashMap<>();
    private final Map<String, Integer> openTokens = new HashMap<>();
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final Map<List<Column>, PreparedStatement> updates = new HashMap<>();

    private ActivityApplier(String activity, Connection connection, Map<String, Column> items) {
        this.activity = activity;
        this.connection = connection;
        this.active = Identifiers.quote("bam_" + activity + "_active");
        this.completed = Identifiers.quote("bam_" + activity + "_completed");
        this.continuations = Identifiers.quote("bam_" + activity + "_continuations");
        this.relationships = Identifiers.quote("bam_" + activity + "_relationships");
        this.items = items;
        this.itemList = String.join(", ", items.values().stream().map(Column::quoted).toList());
    }

    /** The applier of {@code activity}, or null when the destination has no tables for it. */
    static ActivityApplier open(Connection connection, String activity) throws SQLException {
        // the core's limit: every table name of the activity fits MariaDB's 64 characters
        if (Identifiers.problem(activity, Identifiers.MAX_ACTIVITY_NAME) != null) {
            return null;
        }
        Map<String, Column> items = new LinkedHashMap<>();
        boolean defaultContinuations = false;
        try (PreparedStatement select = connection.prepareStatement("SELECT table_name, column_name, data_type"
                + " FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name IN (?, ?)"
                + " ORDER BY table_name, ordinal_position")) {
            select.setString(1, "bam_" + activity + "_active");
            select.setString(2, "bam_" + activity + "_continuations");
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    String column = rows.getString(2);
                    if (rows.getString(1).endsWith("_continuations")) {
                        defaultContinuations |= column.equalsIgnoreCase("ContinuationToken");
                    } else if (!Identifiers.isReserved(column)) {
                        items.put(column.toLowerCase(Locale.ROOT), new Column(Identifiers.quote(column), type(rows.getString(3))));
                    }
                }
            }
        }
        if (items.isEmpty() || !defaultContinuations) {
            return null;
        }
        ActivityApplier applier = new ActivityApplier(activity, connection, items);
        applier.loadContinuations();
        return applier;
    }

    private static ColumnType type(String dataType) {
        return switch (dataType.toLowerCase(Locale.ROOT)) {
            case "tinyint", "smallint", "mediumint", "int", "bigint" -> ColumnType.INTEGER;
            case "decimal" -> ColumnType.DECIMAL;
            case "float", "double" -> ColumnType.FLOAT;
            case "datetime", "timestamp" -> ColumnType.DATETIME;
            default -> ColumnType.TEXT;
        };
    }

    private void loadContinuations() throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT `ContinuationToken`, `ActivityID` FROM " + continuations);
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                tokens.put(rows.getString(1), rows.getString(2));
                openTokens.merge(rows.getString(2), 1, Integer::sum);
            }
        }
    }

    /** Applies {@code event} (decoded, of this activity) inside the caller's transaction. */
    void apply(DecodedEvent event) throws SQLException, RefusedEventException {
        String id = event.instanceId();
        String target = tokens.getOrDefault(id, id);
        LocalDateTime time = event.eventTime();
        switch (event.kind()) {
            case BEGIN -> {
                PreparedStatement begin = statement("begin", "INSERT INTO " + active + " (`ActivityID`, `LastModified`) VALUES (?, ?)"
                        + " ON DUPLICATE KEY UPDATE `LastModified` = VALUES(`LastModified`)");
                begin.setString(1, target);
                SqlTimes.bind(begin, 2, time);
                begin.executeUpdate();
            }
            case UPDATE -> update(target, event.fields(), time);
            case ADD_REFERENCE -> reference(target, event.fields(), time);
            case ENABLE_CONTINUATION -> enableContinuation(target, event.fields(), time);
            case END -> end(id, time);
        }
    }

    private void update(String target, Map<String, Object> fields, LocalDateTime time) throws SQLException, RefusedEventException {
        List<Column> columns = new ArrayList<>(fields.size());
        for (String name : fields.keySet()) {
            Column column = items.get(name.toLowerCase(Locale.ROOT));
            if (column == null) {
                throw new RefusedEventException("activity '" + activity + "' has no item '" + Identifiers.printable(name) + "'");
            }
            if (columns.contains(column)) {
                throw new RefusedEventException("item '" + Identifiers.printable(name) + "' is set twice");
            }
            columns.add(column);
        }
        PreparedStatement update = updates.get(columns);
        if (update == null) {
            StringBuilder names = new StringBuilder();
            StringBuilder assignments = new StringBuilder();
            for (Column column : columns) {
                names.append(", ").append(column.quoted());
                assignments.append(column.quoted()).append(" = VALUES(").append(column.quoted()).append("), ");
            }
            update = connection.prepareStatement("INSERT INTO " + active + " (`ActivityID`" + names + ", `LastModified`) VALUES (?, "
                    + "?, ".repeat(columns.size()) + "?) ON DUPLICATE KEY UPDATE " + assignments
                    + "`LastModified` = VALUES(`LastModified`)");
            updates.put(List.copyOf(columns), update);
        }
        update.setString(1, target);
        int index = 2;
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            bind(update, index, columns.get(index - 2), field.getKey(), field.getValue());
            index++;
        }
        SqlTimes.bind(update, index, time);
        update.executeUpdate();
    }

    private void reference(String target, Map<String, Object> fields, LocalDateTime time) throws SQLException, RefusedEventException {
        String type = text(fields, "type", EventStream.MAX_ID_LENGTH);
        String name = text(fields, "name", EventStream.MAX_ID_LENGTH);
        String data = text(fields, "data", MAX_REFERENCE_DATA);
        Object longData = fields.get("longData");
        if (type == null || name == null || data == null || (longData != null && !(longData instanceof String))) {
            throw new RefusedEventException("a reference needs text 'type', 'name' and 'data' (and 'longData' only as text)");
        }
        PreparedStatement insert = statement("reference", "INSERT INTO " + relationships
                + " (`ActivityID`, `ReferenceType`, `ReferenceName`, `ReferenceData`, `LongReferenceData`, `LastModified`)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                + " `LongReferenceData` = COALESCE(VALUES(`LongReferenceData`), `LongReferenceData`),"
                + " `LastModified` = VALUES(`LastModified`)");
        insert.setString(1, target);
        insert.setString(2, type);
        insert.setString(3, name);
        insert.setString(4, data);
        insert.setString(5, (String) longData);
        SqlTimes.bind(insert, 6, time);
        insert.executeUpdate();
    }

    private void enableContinuation(String target, Map<String, Object> fields, LocalDateTime time)
            throws SQLException, RefusedEventException {
        String token = text(fields, "token", EventStream.MAX_ID_LENGTH);
        if (token == null || token.equals(target)) {
            throw new RefusedEventException("EnableContinuation needs a 'token' of 1 to " + EventStream.MAX_ID_LENGTH
                    + " characters that is not the instance itself");
        }
        String continued = tokens.get(token);
        if (continued != null && !continued.equals(target)) {
            throw new RefusedEventException("continuation token '" + Identifiers.printable(token) + "' already continues instance '"
                    + Identifiers.printable(continued) + "'");
        }
        // the upsert makes a replayed enable harmless
        PreparedStatement insert = statement("enable", "INSERT INTO " + continuations
                + " (`ContinuationToken`, `ActivityID`, `LastModified`) VALUES (?, ?, ?)"
                + " ON DUPLICATE KEY UPDATE `LastModified` = VALUES(`LastModified`)");
        insert.setString(1, token);
        insert.setString(2, target);
        SqlTimes.bind(insert, 3, time);
        insert.executeUpdate();
        if (continued == null) {
            tokens.put(token, target);
            openTokens.merge(target, 1, Integer::sum);
        }
    }

    private void end(String id, LocalDateTime time) throws SQLException {
        String continued = tokens.remove(id);
        if (continued != null) {
            PreparedStatement delete = statement("endToken", "DELETE FROM " + continuations + " WHERE `ContinuationToken` = ?");
            delete.setString(1, id);
            delete.executeUpdate();
            if (openTokens.merge(continued, -1, Integer::sum) <= 0) {
                openTokens.remove(continued);
                // completes only if the instance's own End came before
                complete(continued, time, " AND `IsComplete` = 1");
            }
        } else if (openTokens.containsKey(id)) {
            // an upsert, not an update: a replayed End must mark the row a replayed Update re-created
            PreparedStatement mark = statement("markEnded", "INSERT INTO " + active + " (`ActivityID`, `IsComplete`, `LastModified`)"
                    + " VALUES (?, 1, ?) ON DUPLICATE KEY UPDATE `IsComplete` = 1, `LastModified` = VALUES(`LastModified`)");
            mark.setString(1, id);
            SqlTimes.bind(mark, 2, time);
            mark.executeUpdate();
        } else {
            complete(id, time, "");
        }
    }

    private void complete(String id, LocalDateTime time, String condition) throws SQLException {
        // IGNORE: a replayed End finds the completed row written the first time and keeps it
        PreparedStatement copy = statement("complete" + condition, "INSERT IGNORE INTO " + completed
                + " (`ActivityID`, `LastModified`, " + itemList + ") SELECT `ActivityID`, ?, " + itemList + " FROM " + active
                + " WHERE `ActivityID` = ?" + condition);
        SqlTimes.bind(copy, 1, time);
        copy.setString(2, id);
        copy.executeUpdate();
        PreparedStatement delete = statement("delete" + condition, "DELETE FROM " + active + " WHERE `ActivityID` = ?" + condition);
        delete.setString(1, id);
        delete.executeUpdate();
    }

    private PreparedStatement statement(String key, String sql) throws SQLException {
        PreparedStatement statement = statements.get(key);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            statements.put(key, statement);
        }
        return statement;
    }

    /** Binds a payload value as its column takes it; ISO date-times become UTC DATETIME. */
    private void bind(PreparedStatement statement, int index, Column column, String item, Object value)
            throws SQLException, RefusedEventException {
        if (value == null) {
            statement.setNull(index, Types.NULL);
            return;
        }
        try {
            switch (column.type()) {
                case TEXT -> statement.setString(index, value.toString());
                case INTEGER -> statement.setLong(index, value instanceof Boolean b ? (b ? 1 : 0) : decimal(value).longValueExact());
                case DECIMAL -> statement.setBigDecimal(index, decimal(value));
                case FLOAT -> statement.setDouble(index, decimal(value).doubleValue());
                case DATETIME -> SqlTimes.bind(statement, index, utc(value.toString()));
            }
        } catch (ArithmeticException | NumberFormatException | DateTimeParseException e) {
            throw new RefusedEventException("item '" + Identifiers.printable(item) + "' of activity '" + activity + "' cannot take "
                    + Identifiers.escaped(value.toString(), 60) + " (" + column.type().name().toLowerCase(Locale.ROOT) + ")");
        }
    }

    private static BigDecimal decimal(Object value) {
        if (value instanceof BigDecimal d) {
            return d;
        }
        if (value instanceof BigInteger b) {
            return new BigDecimal(b);
        }
        return new BigDecimal(value.toString().trim());
    }

    private static LocalDateTime utc(String text) {
        LocalDateTime time;
        try {
            time = LocalDateTime.ofInstant(Instant.parse(text), ZoneOffset.UTC);
        } catch (DateTimeParseException notAnInstant) {
            try {
                time = OffsetDateTime.parse(text).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
            } catch (DateTimeParseException notAnOffset) {
                time = LocalDateTime.parse(text);
            }
        }
        return time.truncatedTo(ChronoUnit.MICROS);
    }

    private static String text(Map<String, Object> fields, String name, int maxLength) {
        Object value = fields.get(name);
        return value instanceof String s && !s.isEmpty() && s.codePointCount(0, s.length()) <= maxLength ? s : null;
    }

    @Override
    public void close() {
        List<PreparedStatement> all = new ArrayList<>(statements.values());
        all.addAll(updates.values());
        for (PreparedStatement statement : all) {
            try {
                statement.close();
            } catch (SQLException e) {
                // the connection is being dropped anyway
            }
        }
    }
}
