package io.bambus.core.apply;

import io.bambus.core.aggregate.AggregationTable;
import io.bambus.core.aggregate.AggregationWriteException;
import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.activity.ItemDefinition;
import io.bambus.core.event.DecodedEvent;
import io.bambus.core.event.EventKind;
import io.bambus.core.event.EventStream;
import io.bambus.core.sql.SqlTimes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The events of one batch for one activity, folded in memory and written with a handful of batched
 * statements: lock and load the touched instances, apply every event in order to their state
 * ({@link ActivityFold}, the event rules), write the end state. Events that cannot apply are
 * quarantined, not thrown.
 *
 * <p>Every instance a batch reads is locked first, through its row in {@code bam_instance_locks}
 * (see {@link #lock}), so two sessions writing one instance take turns and each writes back what
 * it read under the lock. An event of an instance that has a quarantined event before it is held
 * back (quarantined too), so a retry can never write an older value over a newer one.
 */
final class ActivityBatch {

    /** Rows per lock statement; a batch's keys are locked in sorted order across the statements. */
    private static final int LOCKS_PER_STATEMENT = 500;
    /** Whether this activity has a quarantined event older than the batch (parameters: activity key, id bound). */
    private static final String QUARANTINED = "EXISTS(SELECT 1 FROM bam_failed_events WHERE target_activity = ? AND id < ?)";

    private final ActivityDefinition definition;
    private final List<ItemDefinition> items;
    private final List<DecodedEvent> events;
    private final Quarantine quarantine;
    /** Only quarantined events below this id hold this batch back (a retry is not held by itself). */
    private final long holdsBelowId;

    /** The batch's instances and the event rules applied to them. */
    private final ActivityFold fold;
    /** The first quarantined event of a loaded instance, from earlier batches. */
    private final Map<String, Quarantine.Blocker> storedBlockers = new HashMap<>();

    ActivityBatch(ActivityDefinition definition, List<DecodedEvent> events, Quarantine quarantine, long holdsBelowId) {
        this.definition = definition;
        this.items = definition.items();
        this.events = events;
        this.quarantine = quarantine;
        this.holdsBelowId = holdsBelowId;
        this.fold = new ActivityFold(definition);
    }

    boolean sawUnknownItem() {
        return fold.sawUnknownItem();
    }

    void apply(Connection connection) throws SQLException {
        load(connection);
        for (DecodedEvent event : events) {
            String id = event.instanceId();
            String target = fold.target(id);
            Quarantine.Blocker blocker = blocker(id, target);
            String refusal = blocker != null ? blocker.reason(definition.name())
                    : event.failed() ? event.failure()
                    : fold.apply(event, target);
            if (refusal != null) {
                quarantine.add(new FailedEvent(event.source(), refusal, blocker != null ? blocker.instance() : target));
            }
        }
        write(connection);
    }

    /** The instance {@code id} resolves to now (the one it continues, or itself); its lock must be held. */
    static String instanceOf(Connection connection, ActivityDefinition definition, String id) throws SQLException {
        String[] target = {id};
        select(connection, "SELECT " + definition.naming().continuedColumn() + " FROM " + definition.continuationsTable()
                        + " WHERE " + definition.naming().tokenColumn() + " IN ",
                List.of(id), rows -> target[0] = rows.getString(1));
        return target[0];
    }

    private Quarantine.Blocker blocker(String id, String target) {
        for (String instance : new String[] {target, id}) {
            Quarantine.Blocker blocker = storedBlockers.get(instance);
            if (blocker == null) {
                blocker = quarantine.blocker(definition.name(), instance);
            }
            if (blocker != null) {
                return blocker;
            }
        }
        return null;
    }

    // ---- lock and load

    private void load(Connection connection) throws SQLException {
        Set<String> ids = new TreeSet<>();
        Set<String> locked = new TreeSet<>();
        for (DecodedEvent event : events) {
            ids.add(event.instanceId());
            String token = event.kind() == EventKind.ENABLE_CONTINUATION
                    ? ActivityFold.field(event, "token", EventStream.MAX_ID_LENGTH) : null;
            if (token != null) {
                locked.add(token);
            }
        }
        locked.addAll(ids);
        // tokens first: which instance a token continues may only be read under the token's lock
        lock(connection, locked);
        String token = definition.naming().tokenColumn();
        String continuedBy = definition.naming().continuedColumn();
        Present present = present(connection);
        if (present.continuations()) {
            select(connection, "SELECT " + token + ", " + continuedBy + " FROM " + definition.continuationsTable()
                    + " WHERE " + token + " IN ", ids, rows -> fold.storedToken(fold.requested(rows.getString(1), ids),
                    rows.getString(2)));
        }
        // every id is loaded as an instance too: a token ended in this batch names an instance of its own after its end
        Set<String> targets = new TreeSet<>(ids);
        targets.addAll(fold.continued());
        Set<String> continued = new TreeSet<>(targets);
        continued.removeAll(locked);
        lock(connection, continued);
        for (String target : targets) {
            fold.instance(target);
        }
        // a quarantine of a continued instance may have committed while this batch waited for its lock: look again
        boolean quarantined = continued.isEmpty() ? present.quarantined() : quarantined(connection);
        StringBuilder columns = new StringBuilder("SELECT `ActivityID`, `IsComplete`, `LastModified`");
        for (ItemDefinition item : items) {
            columns.append(", ").append(item.column());
        }
        select(connection, columns + " FROM " + definition.activeTable() + " WHERE `ActivityID` IN ", targets, rows -> {
            ActivityFold.Instance instance = fold.loaded(rows.getString(1));
            instance.activeBefore = true;
            instance.mainEnded = rows.getBoolean(2);
            instance.lastModified = rows.getObject(3, LocalDateTime.class);
            for (int i = 0; i < items.size(); i++) {
                instance.values[i] = items.get(i).type().read(rows, 4 + i);
            }
            instance.before = instance.values.clone();
        });
        select(connection, "SELECT `ActivityID` FROM " + definition.completedTable() + " WHERE `ActivityID` IN ", targets,
                rows -> fold.loaded(rows.getString(1)).completedBefore = true);
        if (present.continuations()) {
            select(connection, "SELECT " + continuedBy + ", COUNT(*) FROM " + definition.continuationsTable()
                            + " WHERE " + continuedBy + " IN ", targets, " GROUP BY " + continuedBy,
                    rows -> fold.loaded(rows.getString(1)).openContinuations = rows.getInt(2));
        }
        if (quarantined) {
            select(connection, "SELECT target_instance, session_id, source_seq FROM bam_failed_events WHERE target_activity = "
                            + "? AND id < ? AND target_instance IN ",
                    List.of(Quarantine.activityKey(definition.name()), Long.toString(holdsBelowId)), targets, " ORDER BY id",
                    rows -> storedBlockers.putIfAbsent(fold.loaded(rows.getString(1)).id,
                            new Quarantine.Blocker(rows.getString(2), rows.getLong(3), rows.getString(1))));
        }
    }

    /** Whether the activity has any continuation, and any quarantined event before {@link #holdsBelowId}. */
    private record Present(boolean continuations, boolean quarantined) {
    }

    /**
     * One cheap statement instead of three lookups of every instance: most activities never use
     * continuations, and most of the time nothing is quarantined. Read under this batch's instance
     * locks, so it cannot miss a row about them: a continuation or a quarantined event of an
     * instance is written only by a transaction holding that instance's (and token's) lock.
     */
    private Present present(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT EXISTS(SELECT 1 FROM "
                + definition.continuationsTable() + "), " + QUARANTINED)) {
            select.setString(1, Quarantine.activityKey(definition.name()));
            select.setLong(2, holdsBelowId);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return new Present(row.getBoolean(1), row.getBoolean(2));
            }
        }
    }

    /** {@link Present#quarantined} alone, read again. */
    private boolean quarantined(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT " + QUARANTINED)) {
            select.setString(1, Quarantine.activityKey(definition.name()));
            select.setLong(2, holdsBelowId);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getBoolean(1);
            }
        }
    }

    /**
     * Locks the instances {@code keys} (ids and tokens) of this activity until the transaction ends,
     * in sorted order so that two batches wait for each other instead of deadlocking. The lock row
     * is inserted or, when it exists, updated to itself: either way the statement takes an
     * exclusive lock on that one row and no gap lock (an INSERT IGNORE would take a shared lock,
     * and two batches upgrading theirs deadlock; a locking read of a missing activity row would
     * take a gap lock, and two batches inserting new instances into that gap deadlock). The
     * applier reads under READ COMMITTED, so what it reads after the lock is the latest commit.
     */
    private void lock(Connection connection, Set<String> keys) throws SQLException {
        List<String> sorted = new ArrayList<>(keys);
        for (int from = 0; from < sorted.size(); from += LOCKS_PER_STATEMENT) {
            List<String> chunk = sorted.subList(from, Math.min(sorted.size(), from + LOCKS_PER_STATEMENT));
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO bam_instance_locks (activity, instance_id)"
                    + " VALUES " + "(?, ?), ".repeat(chunk.size() - 1) + "(?, ?) ON DUPLICATE KEY UPDATE instance_id = instance_id")) {
                int index = 1;
                for (String key : chunk) {
                    insert.setString(index++, definition.name());
                    insert.setString(index++, key);
                }
                insert.executeUpdate();
            }
        }
    }

    private interface RowHandler {
        void handle(ResultSet rows) throws SQLException;
    }

    private static void select(Connection connection, String sqlUpToIn, Collection<String> keys, RowHandler handler)
            throws SQLException {
        select(connection, sqlUpToIn, keys, "", handler);
    }

    private static void select(Connection connection, String sqlUpToIn, Collection<String> keys, String tail,
                               RowHandler handler) throws SQLException {
        select(connection, sqlUpToIn, List.of(), keys, tail, handler);
    }

    private static void select(Connection connection, String sqlUpToIn, List<String> leading, Collection<String> keys,
                               String tail, RowHandler handler) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        String sql = sqlUpToIn + "(" + "?,".repeat(keys.size() - 1) + "?)" + tail;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int index = 1;
            for (String value : leading) {
                statement.setString(index++, value);
            }
            for (String key : keys) {
                statement.setString(index++, key);
            }
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    handler.handle(rows);
                }
            }
        }
    }

    // ---- write the end state

    /**
     * Whether an active table has {@code BeganAt}: a table deployed before it existed gets it at the
     * next deploy, which a refused or failed deploy skips; until then the bus writes without it
     * rather than stop. Checked once per table, again every minute while missing.
     */
    private static boolean hasBeganAt(Connection connection, String table) throws SQLException {
        long now = System.nanoTime();
        String key = connection.getCatalog() + "." + table;
        long[] known = BEGAN_AT.get(key);
        if (known != null && (known[0] == 1 || now - known[1] < 60_000_000_000L)) {
            return known[0] == 1;
        }
        boolean present;
        try (PreparedStatement select = connection.prepareStatement("SELECT COUNT(*) FROM information_schema.columns"
                + " WHERE table_schema = DATABASE() AND table_name = ? AND column_name = 'BeganAt'")) {
            select.setString(1, table);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                present = rows.getLong(1) > 0;
            }
        }
        BEGAN_AT.put(key, new long[] {present ? 1 : 0, now});
        return present;
    }

    private static final java.util.Map<String, long[]> BEGAN_AT = new java.util.concurrent.ConcurrentHashMap<>();

    private void write(Connection connection) throws SQLException {
        boolean began = hasBeganAt(connection, definition.activeTableName());
        StringBuilder columns = new StringBuilder("`ActivityID`, `IsComplete`, `LastModified`" + (began ? ", `BeganAt`" : ""));
        // BeganAt first: later assignments would show it the new LastModified. The least event time, so that a
        // replay applying the same events in another order writes the same value; a row from before BeganAt
        // existed starts from its LastModified
        StringBuilder updates = new StringBuilder((began ? "`BeganAt` = LEAST(COALESCE(`BeganAt`, `LastModified`),"
                + " VALUES(`BeganAt`))," : "") + " `IsComplete` = VALUES(`IsComplete`), `LastModified` = VALUES(`LastModified`)");
        StringBuilder completedColumns = new StringBuilder("`ActivityID`, `LastModified`");
        for (ItemDefinition item : items) {
            columns.append(", ").append(item.column());
            updates.append(", ").append(item.column()).append(" = VALUES(").append(item.column()).append(')');
            completedColumns.append(", ").append(item.column());
        }
        try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO " + definition.activeTable() + " (" + columns
                + ") VALUES (" + "?, ".repeat(items.size() + (began ? 3 : 2)) + "?) ON DUPLICATE KEY UPDATE " + updates);
             PreparedStatement complete = connection.prepareStatement("INSERT INTO " + definition.completedTable() + " ("
                     + completedColumns + ") VALUES (" + "?, ".repeat(items.size() + 1) + "?)");
             PreparedStatement deleteActive = connection.prepareStatement(
                     "DELETE FROM " + definition.activeTable() + " WHERE `ActivityID` = ?")) {
            int upserts = 0;
            int completes = 0;
            int deletes = 0;
            for (ActivityFold.Instance instance : fold.instances()) {
                if (!instance.touched) {
                    continue;
                }
                if (instance.completesNow) {
                    complete.setString(1, instance.id);
                    SqlTimes.bind(complete, 2, instance.lastModified);
                    bindValues(complete, 3, instance);
                    complete.addBatch();
                    completes++;
                    if (instance.activeBefore) {
                        // an instance begun and ended within the batch has no active row to delete (most of them)
                        deleteActive.setString(1, instance.id);
                        deleteActive.addBatch();
                        deletes++;
                    }
                } else {
                    upsert.setString(1, instance.id);
                    upsert.setBoolean(2, instance.mainEnded);
                    SqlTimes.bind(upsert, 3, instance.lastModified);
                    if (began) {
                        SqlTimes.bind(upsert, 4, instance.earliest);
                    }
                    bindValues(upsert, began ? 5 : 4, instance);
                    upsert.addBatch();
                    upserts++;
                }
            }
            if (upserts > 0) {
                upsert.executeBatch();
            }
            if (completes > 0) {
                complete.executeBatch();
            }
            if (deletes > 0) {
                deleteActive.executeBatch();
            }
        }
        writeReferences(connection);
        writeContinuations(connection);
        writeAggregations(connection);
    }

    /**
     * Moves each changed instance's contribution in the activity's real-time aggregations, in this
     * transaction: a completed instance had no events applied (they are refused), a new one counted nothing.
     */
    private void writeAggregations(Connection connection) throws SQLException {
        for (AggregationTable aggregation : AggregationTable.of(definition)) {
            AggregationTable.Deltas deltas = aggregation.deltas();
            for (ActivityFold.Instance instance : fold.instances()) {
                if (instance.touched && !instance.completedBefore) {
                    deltas.move(instance.before, instance.values);
                }
            }
            try {
                deltas.apply(connection);
            } catch (SQLException e) {
                if (String.valueOf(e.getSQLState()).startsWith("22")) {
                    throw e; // a value the aggregation cannot hold (out of range, too long): the event's, isolated and quarantined
                }
                throw new AggregationWriteException(aggregation.table(), e);
            }
        }
    }

    private void bindValues(PreparedStatement statement, int first, ActivityFold.Instance instance) throws SQLException {
        for (int i = 0; i < items.size(); i++) {
            items.get(i).type().bind(statement, first + i, instance.values[i]);
        }
    }

    private void writeReferences(Connection connection) throws SQLException {
        if (fold.references().isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + definition.relationshipsTable()
                + " (`ActivityID`, `ReferenceType`, `ReferenceName`, `ReferenceData`, `LongReferenceData`, `LastModified`)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                + " `LongReferenceData` = COALESCE(VALUES(`LongReferenceData`), `LongReferenceData`),"
                + " `LastModified` = VALUES(`LastModified`)")) {
            for (ActivityFold.Reference reference : fold.references()) {
                insert.setString(1, reference.activityId());
                insert.setString(2, reference.type());
                insert.setString(3, reference.name());
                insert.setString(4, reference.data());
                insert.setString(5, reference.longData());
                SqlTimes.bind(insert, 6, reference.time());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private void writeContinuations(Connection connection) throws SQLException {
        // a token ended and enabled again in one batch may continue another instance: delete, then insert
        List<String> removed = fold.tokensRemoved();
        List<Map.Entry<String, String>> added = fold.tokensAdded();
        if (!removed.isEmpty()) {
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM " + definition.continuationsTable() + " WHERE " + definition.naming().tokenColumn() + " = ?")) {
                for (String token : removed) {
                    delete.setString(1, token);
                    delete.addBatch();
                }
                delete.executeBatch();
            }
        }
        if (!added.isEmpty()) {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + definition.continuationsTable()
                    + " (" + definition.naming().tokenColumn() + ", " + definition.naming().continuedColumn()
                    + ", `LastModified`) VALUES (?, ?, ?)")) {
                for (Map.Entry<String, String> token : added) {
                    insert.setString(1, token.getKey());
                    insert.setString(2, token.getValue());
                    SqlTimes.bind(insert, 3, fold.enabledAt(token.getKey()));
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        }
    }
}
