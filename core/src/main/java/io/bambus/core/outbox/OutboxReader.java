package io.bambus.core.outbox;

import io.bambus.core.schema.OutboxFormat;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.session.SeqRanges;
import io.bambus.core.session.Checkpoint;
import io.bambus.core.session.OutboxIdentityException;
import io.bambus.core.session.StaleEpochException;
import io.bambus.core.session.OutboxEvent;
import io.bambus.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Reads one source's outbox and marks rows moved once a destination commit covers them.
 *
 * <p>The reader asks for rows <em>not yet marked</em>, in seq order, never for rows "above the
 * highest seq read". A transaction that took a lower seq and commits late is simply an unmarked
 * row at the next read, and a rolled-back insert leaves no row to wait for (DESIGN §4).
 *
 * <p>Marking happens after the destination commit. A crash between the two leaves the batch
 * unmarked; {@link #claim} marks it from the destination's checkpoint before the next read,
 * so it is never read twice. Rows marked by batches the destination no longer has (it was
 * restored) are unmarked by the same call, and replay.
 *
 * <p>Every write is fenced: it runs in one source transaction with the session's row in
 * {@code bam_outbox_owner}, which holds the newest epoch that wrote here. A runner whose epoch is
 * below it changes nothing ({@link StaleEpochException}), so a slow runner can never unmark rows a
 * newer one has committed. Writes run under READ COMMITTED and name exact seqs: no gap or next-key
 * lock, so the bus never waits on (or blocks) an application transaction still inserting.
 */
public final class OutboxReader {

    private static final Logger LOG = LogManager.getLogger(OutboxReader.class);
    /** The outboxes of the older layout this process has told of (once each). */
    private static final java.util.Set<String> TOLD_NULLABLE = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Missing seqs probed one by one when a range probe finds a held one; past that the batch stops there. */
    private static final int MAX_GAP_PROBES = 64;
    /** Seqs per DELETE when moved rows are deleted at once (retention 0). */
    private static final int DELETE_CHUNK = 500;

    /** Up to this many waiting events are counted exactly; above it the lag is the span of waiting seqs. */
    public static final int EXACT_LAG_LIMIT = 10_000;

    private final DataSource source;
    private final String tableName;
    private final String table;
    private final String ownerTable;
    private final Duration retention;
    /** The table's layout, found by the first statement that needs it (null until then). */
    private volatile OutboxFormat format;

    /**
     * @param retention how long moved rows stay in the outbox; zero deletes them as soon as the
     *                  destination commit covers them (and gives up replay after a restore)
     */
    public OutboxReader(DataSource source, String table, Duration retention) {
        this(source, null, table, retention);
    }

    /**
     * A reader whose statements name {@code database} (null: the connection's own), for a pool
     * shared by the outboxes of many databases on one server.
     */
    public OutboxReader(DataSource source, String database, String table, Duration retention) {
        this.source = source;
        this.tableName = table;
        String prefix = database == null ? "" : Identifiers.quote(Identifiers.check("source database", database, 64)) + ".";
        this.table = prefix + OutboxSchema.quoted(table);
        this.ownerTable = prefix + OutboxSchema.OWNER_TABLE;
        this.retention = retention;
    }

    /** Up to {@code limit} committed, unmoved events, lowest seq first. */
    public List<OutboxEvent> read(int limit) throws SQLException {
        return read(limit, Long.MAX_VALUE);
    }

    /**
     * Up to {@code limit} committed, unmoved events, lowest seq first, whose payloads add up to at
     * most {@code maxBytes}; a first event larger than that is still read, alone. One statement
     * reads the batch with every payload up to its share of the bound ({@code maxBytes / limit});
     * a larger payload comes by a second, only when it fits, so a backlog of large events never
     * has to fit in memory at once.
     */
    public List<OutboxEvent> read(int limit, long maxBytes) throws SQLException {
        long inline = Math.max(1, maxBytes / Math.max(1, limit));
        try (Connection connection = source.getConnection()) {
            List<OutboxEvent> events = new ArrayList<>();
            List<Integer> large = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT seq, kind, activity, instance_id, event_time,"
                    + " LENGTH(payload), IF(LENGTH(payload) <= ?, payload, NULL) FROM " + table
                    + " WHERE " + format(connection).unmoved() + " ORDER BY seq LIMIT ?")) {
                select.setLong(1, inline);
                select.setInt(2, limit);
                long bytes = 0;
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        long length = rows.getLong(6);
                        boolean nullPayload = rows.wasNull(); // a custom nullable column: the decoder quarantines it
                        bytes += length;
                        if (!events.isEmpty() && bytes > maxBytes) {
                            break;
                        }
                        byte[] payload = rows.getBytes(7);
                        if (payload == null && !nullPayload) {
                            large.add(events.size());
                        }
                        events.add(new OutboxEvent(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4),
                                payload, rows.getObject(5, LocalDateTime.class)));
                    }
                }
            }
            if (!large.isEmpty()) {
                readLargePayloads(connection, events, large);
            }
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
            if (events.isEmpty() && format == OutboxFormat.NULLABLE) {
                // an older outbox converted under a running session (docs/operations.md) must not look empty for ever
                format = null;
            }
            return events;
        }
    }

    /** Fills in the payloads the batch's statement left out (larger than their share of the byte bound). */
    private void readLargePayloads(Connection connection, List<OutboxEvent> events, List<Integer> large) throws SQLException {
        java.util.Map<Long, byte[]> payloads = new java.util.HashMap<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT seq, payload FROM " + table + " WHERE seq IN ("
                + "?,".repeat(large.size() - 1) + "?)")) {
            for (int i = 0; i < large.size(); i++) {
                select.setLong(i + 1, events.get(large.get(i)).seq());
            }
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    payloads.put(rows.getLong(1), rows.getBytes(2));
                }
            }
        }
        for (int index : large) {
            OutboxEvent event = events.get(index);
            byte[] payload = payloads.get(event.seq());
            if (!payloads.containsKey(event.seq())) {
                // only a fenced write of this session removes a row: another runner took the session meanwhile
                throw new SQLException("outbox '" + tableName + "' row seq " + event.seq() + " was removed while it was read;"
                        + " the session claims again");
            }
            events.set(index, new OutboxEvent(event.seq(), event.kind(), event.activity(), event.instanceId(), payload,
                    event.eventTime()));
        }
    }

    /**
     * The lowest seq above {@code after} and below the last of {@code events} (a read, in seq order)
     * that is missing from the read because a transaction that can still commit it holds it, or that
     * committed since the read; 0 when none is. A rolled-back or never-used seq holds nothing and is not reported. Detected with
     * locking reads that never wait ({@code NOWAIT}) under READ COMMITTED, which take no gap locks:
     * the probe cannot make the application wait.
     */
    public long heldSeq(long after, List<OutboxEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return 0;
        }
        long last = events.get(events.size() - 1).seq();
        List<Long> missing = new ArrayList<>();
        long expected = after + 1;
        for (OutboxEvent event : events) {
            if (event.seq() <= after) {
                continue;
            }
            for (long seq = expected; seq < event.seq() && missing.size() <= MAX_GAP_PROBES; seq++) {
                missing.add(seq);
            }
            expected = event.seq() + 1;
        }
        if (missing.isEmpty()) {
            return 0;
        }
        try (Connection connection = source.getConnection()) {
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            connection.setAutoCommit(true);
            if (held(connection, "seq > ? AND seq < ?", after, last)) {
                for (int i = 0; i < missing.size(); i++) {
                    if (i == MAX_GAP_PROBES || held(connection, "seq = ?", missing.get(i))) {
                        return missing.get(i);
                    }
                }
            }
            return committedSince(connection, missing);
        }
    }

    /** The lowest of {@code missing} that committed after the read (it goes first, in the next batch), or 0. */
    private long committedSince(Connection connection, List<Long> missing) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT MIN(seq) FROM " + table
                + " WHERE " + format(connection).unmoved() + " AND seq IN (" + "?,".repeat(missing.size() - 1) + "?)")) {
            for (int i = 0; i < missing.size(); i++) {
                select.setLong(i + 1, missing.get(i));
            }
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    /** Whether a locking read of the rows matching {@code condition} would have to wait. */
    private boolean held(Connection connection, String condition, long... seqs) throws SQLException {
        try (PreparedStatement probe = connection.prepareStatement(
                "SELECT seq FROM " + table + " WHERE " + condition + " FOR UPDATE NOWAIT")) {
            for (int i = 0; i < seqs.length; i++) {
                probe.setLong(i + 1, seqs[i]);
            }
            probe.executeQuery().close();
            return false;
        } catch (SQLException e) {
            // MariaDB answers NOWAIT with 1205 (lock wait timeout), MySQL with 3572 (ER_LOCK_NOWAIT)
            if (e.getErrorCode() == 1205 || e.getErrorCode() == 3572) {
                return true;
            }
            throw e;
        }
    }

    /**
     * Takes the source for the checkpoint's epoch and brings the outbox in line with the checkpoint:
     * checks the outbox is the one the checkpoint came from ({@link OutboxIdentityException}
     * otherwise, changing nothing), marks the checkpoint's batch (its acknowledgement may have been
     * lost) and unmarks rows of later batches, which the destination no longer holds. Returns the
     * outbox's identity, for the checkpoint to record.
     */
    public String claim(Checkpoint checkpoint) throws SQLException {
        try (Connection connection = source.getConnection()) {
            try {
                return claim(connection, checkpoint);
            } catch (SQLException e) {
                if (e.getErrorCode() != 1146) { // table doesn't exist: the owner table on a source's first claim
                    throw e;
                }
                createOwnerTable(connection); // (nothing when the missing table is the outbox: the claim fails again)
                return claim(connection, checkpoint);
            }
        }
    }

    private String claim(Connection connection, Checkpoint checkpoint) throws SQLException {
        format = null; // read again at every claim: a session resumed after its outbox was converted finds the new layout
        return fenced(connection, checkpoint.sessionId(), checkpoint.epoch(), checkpoint.batchNo(), checkpoint.maxSeq(),
                true, owner -> {
            checkIdentity(connection, checkpoint, owner);
            // the owner row takes a batch's number in the transaction that marks it (batches are marked in order), and
            // a claim sets it to the batch it reconciled to: a row of the checkpoint's outbox at exactly the
            // checkpoint's batch has that batch marked and no later one
            boolean known = !owner.created() && checkpoint.outboxId() != null;
            boolean marked = owner.atCheckpoint(tableName, checkpoint); // its batch marked, no later one
            boolean behind = known && owner.batchNo() < checkpoint.batchNo(); // its last acknowledgement lost, no later one
            if (!marked) {
                markBatch(connection, checkpoint.batchNo(), checkpoint.batchSeqs());
            }
            if (!retention.isZero() && !marked && !behind) {
                int replay = unmarkAfter(connection, checkpoint.batchNo());
                if (replay > 0) {
                    LOG.warn("Session '{}': {} outbox rows were moved after the destination's checkpoint (batch {}); "
                            + "the destination lost them (restored or failed over), replaying them", checkpoint.sessionId(),
                            replay, checkpoint.batchNo());
                }
            }
            return owner.outboxId;
        });
    }

    /**
     * {@link #claim} of many sessions whose outboxes share one source pool and owner table, in one
     * source transaction: the owner rows locked in one statement, taken in one. Only the claims that
     * need nothing else are made here: the owner row knows the checkpoint's outbox and has marked
     * exactly the checkpoint's batch (the usual take-over). Per reader: the outbox's identity when
     * claimed; a {@link StaleEpochException} where a newer epoch wrote there; absent where the
     * session must be claimed alone (first claim, a mark or unmark to make, an identity to check).
     */
    public static java.util.Map<OutboxReader, Object> claimAll(java.util.Map<OutboxReader, Checkpoint> claims) throws SQLException {
        java.util.Map<OutboxReader, Object> outcomes = new java.util.HashMap<>();
        if (claims.isEmpty()) {
            return outcomes;
        }
        OutboxReader any = claims.keySet().iterator().next();
        java.util.TreeMap<String, OutboxReader> bySession = new java.util.TreeMap<>(); // the owner rows' lock order
        for (java.util.Map.Entry<OutboxReader, Checkpoint> claim : claims.entrySet()) {
            if (claim.getKey().source != any.source || !claim.getKey().ownerTable.equals(any.ownerTable)) {
                throw new IllegalArgumentException("claimAll takes the outboxes of one source pool and owner table");
            }
            bySession.put(claim.getValue().sessionId(), claim.getKey());
        }
        List<String> ids = new ArrayList<>(bySession.keySet());
        String in = "(" + "?,".repeat(ids.size() - 1) + "?)";
        try (Connection connection = any.source.getConnection()) {
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            connection.setAutoCommit(false);
            try {
                List<String> taken = new ArrayList<>();
                try (PreparedStatement select = connection.prepareStatement("SELECT session_id, outbox_table, outbox_id, epoch,"
                        + " batch_no FROM " + any.ownerTable + " WHERE session_id IN " + in
                        + " ORDER BY session_id FOR UPDATE SKIP LOCKED")) { // a held row's session claims alone
                    for (int i = 0; i < ids.size(); i++) {
                        select.setString(i + 1, ids.get(i));
                    }
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            OutboxReader reader = bySession.get(rows.getString(1));
                            if (reader == null) {
                                continue; // a row the table's collation matched to another spelling: that session claims alone
                            }
                            Checkpoint checkpoint = claims.get(reader);
                            Owner owner = new Owner(rows.getString(2), rows.getString(3), rows.getLong(4), rows.getLong(5), false);
                            if (owner.epoch() > checkpoint.epoch()) {
                                outcomes.put(reader, new StaleEpochException(checkpoint.sessionId(), checkpoint.epoch(),
                                        owner.epoch(), "source outbox '" + reader.tableName + "'"));
                            } else if (owner.atCheckpoint(reader.tableName, checkpoint)) {
                                outcomes.put(reader, checkpoint.outboxId());
                                taken.add(checkpoint.sessionId());
                                reader.format = null; // as a single claim does: the layout read again at first use
                            }
                        }
                    }
                }
                if (!taken.isEmpty()) {
                    take(connection, any.ownerTable, taken, bySession, claims);
                }
                connection.commit();
                return outcomes;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /** The owner rows of {@code ids} take their checkpoints' epochs and batches, as a claim's own update does. */
    private static void take(Connection connection, String ownerTable, List<String> ids, java.util.Map<String, OutboxReader> readers,
                             java.util.Map<OutboxReader, Checkpoint> claims) throws SQLException {
        String cases = " WHEN ? THEN ?".repeat(ids.size());
        try (PreparedStatement update = connection.prepareStatement("UPDATE " + ownerTable + " SET epoch = CASE session_id" + cases
                + " END, max_seq = GREATEST(max_seq, CASE session_id" + cases + " END), updated_at = UTC_TIMESTAMP(6)"
                + " WHERE session_id IN (" + "?,".repeat(ids.size() - 1) + "?)")) {
            int index = 1;
            for (String id : ids) {
                update.setString(index++, id);
                update.setLong(index++, claims.get(readers.get(id)).epoch());
            }
            for (String id : ids) {
                update.setString(index++, id);
                update.setLong(index++, claims.get(readers.get(id)).maxSeq());
            }
            for (String id : ids) {
                update.setString(index++, id);
            }
            update.executeUpdate();
        }
    }

    /** Marks (or, with no retention, deletes) the rows of a batch the destination has committed. */
    public int acknowledge(Checkpoint committed) throws SQLException {
        if (committed.batchSeqs().isEmpty()) {
            return 0;
        }
        try (Connection connection = source.getConnection()) {
            return fenced(connection, committed.sessionId(), committed.epoch(), committed.batchNo(), committed.maxSeq(), false,
                    owner -> markBatch(connection, committed.batchNo(), committed.batchSeqs()));
        }
    }

    /**
     * Deletes at most {@code limit} rows that were moved longer than the retention period ago,
     * oldest batch first; returns how many. Rows not yet moved are never touched. With no
     * retention there is nothing to purge (acknowledge deleted the rows).
     *
     * <p>Batch by batch through the index on {@code (moved_batch, seq)}: a batch's rows were marked
     * together, and an index on {@code moved_at} would double the cost of every mark (BENCHMARKS.md).
     * The oldest batch still holding a row inside the retention ends the call.
     */
    public int purge(String sessionId, long epoch, int limit) throws SQLException {
        if (retention.isZero()) {
            return 0;
        }
        try (Connection connection = source.getConnection()) {
            return fenced(connection, sessionId, epoch, 0, 0, false, owner -> {
                try (PreparedStatement oldest = connection.prepareStatement(OLDEST_BATCH.replace("{t}", table));
                     PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table + " WHERE moved_batch = ?"
                             + " AND moved_at < UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND LIMIT ?")) {
                    int purged = 0;
                    long previous = 0;
                    while (purged < limit) {
                        long batch;
                        try (ResultSet row = oldest.executeQuery()) {
                            row.next();
                            batch = row.getLong(1); // 0 for NULL
                        }
                        if (batch == 0 || batch == previous) {
                            break; // none moved, or the oldest batch still has rows inside the retention
                        }
                        delete.setLong(1, batch);
                        delete.setLong(2, retention.toNanos() / 1_000);
                        delete.setInt(3, limit - purged);
                        purged += delete.executeUpdate();
                        previous = batch;
                    }
                    return purged;
                }
            });
        }
    }

    /** The lowest batch number that still has rows in the outbox (NULL: none), from the index on (moved_batch, seq). */
    private static final String OLDEST_BATCH = "SELECT MIN(moved_batch) FROM {t} WHERE moved_batch > 0";

    /**
     * Events waiting in the outbox and the time of the oldest (null when none wait), in one indexed
     * statement whose cost does not grow with the backlog: up to {@value #EXACT_LAG_LIMIT} waiting
     * events are counted, above that the lag is the span from the oldest waiting seq to the newest.
     */
    public Lag lag() throws SQLException {
        try (Connection connection = source.getConnection();
             PreparedStatement statement = connection.prepareStatement("SELECT seq, event_time, (SELECT MAX(seq) FROM " + table
                     + "), (SELECT COUNT(*) FROM (SELECT 1 FROM " + table + " WHERE " + format(connection).unmoved() + " LIMIT "
                     + (EXACT_LAG_LIMIT + 1) + ") waiting) FROM " + table + " WHERE " + format(connection).unmoved()
                     + " ORDER BY seq LIMIT 1");
             ResultSet row = statement.executeQuery()) {
            if (!row.next()) {
                return new Lag(0, null);
            }
            long counted = row.getLong(4);
            long span = row.getLong(3) - row.getLong(1) + 1;
            return new Lag(counted <= EXACT_LAG_LIMIT ? counted : Math.max(counted, span), row.getObject(2, LocalDateTime.class));
        }
    }

    /**
     * In how many milliseconds the oldest moved batch's first row passes the retention (0: now), by
     * the source's clock; -1 when no moved row is left (or nothing is retained). One statement, two
     * index lookups.
     */
    public long purgeDueInMillis() throws SQLException {
        if (retention.isZero()) {
            return -1;
        }
        try (Connection connection = source.getConnection();
             PreparedStatement statement = connection.prepareStatement(
                     "SELECT TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), MIN(moved_at)) FROM " + table
                             + " WHERE moved_batch = (" + OLDEST_BATCH.replace("{t}", table) + ")");
             ResultSet row = statement.executeQuery()) {
            row.next();
            long inMicros = row.getLong(1);
            if (row.wasNull()) {
                return -1;
            }
            return Math.max(0, inMicros / 1_000 + retention.toMillis());
        }
    }

    /**
     * The table's layout, read when not known: at every claim (single or bulk) and after an empty read
     * of an older outbox, so one converted under a paused or running session is found (docs/operations.md).
     * The first time this process finds an outbox of the older layout, it says so once.
     */
    private OutboxFormat format(Connection connection) throws SQLException {
        OutboxFormat known = format;
        if (known == null) {
            known = OutboxFormat.of(connection, table);
            format = known;
            if (known == OutboxFormat.NULLABLE && TOLD_NULLABLE.add(table)) {
                LOG.info("Outbox '{}' has nullable moved_batch and moved_at (the layout before 2026-12); marking rows moved"
                        + " costs about twice as much there: docs/operations.md, 'Upgrading an outbox', says how to convert it",
                        table);
            }
        }
        return known;
    }

    /** What a session has still to move. */
    public record Lag(long events, LocalDateTime oldestEventTime) {
    }

    /** The session's row in {@code bam_outbox_owner}, locked for the transaction. */
    private record Owner(String outboxTable, String outboxId, long epoch, long batchNo, boolean created) {

        /** Whether this row is the checkpoint's outbox as {@code tableName} with exactly the checkpoint's batch marked. */
        boolean atCheckpoint(String tableName, Checkpoint checkpoint) {
            return !created && checkpoint.outboxId() != null && checkpoint.outboxId().equals(outboxId)
                    && tableName.equals(outboxTable) && batchNo == checkpoint.batchNo();
        }
    }

    private interface SourceWork<T> {
        T run(Owner owner) throws SQLException;
    }

    /**
     * Runs {@code work} in one source transaction that holds the session's owner row: refused when a
     * newer epoch wrote here, and the row takes {@code epoch} (and the highest seq marked) with the work.
     * Only a claim may create the row; a write without one means the session was not claimed here.
     */
    private <T> T fenced(Connection connection, String sessionId, long epoch, long markedBatch, long markedUpTo,
                         boolean claim, SourceWork<T> work)
            throws SQLException {
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        connection.setAutoCommit(false);
        try {
            // read committed: locking a missing row takes no gap lock, so two first claims do not deadlock on their inserts
            Owner owner = lockOwner(connection, sessionId, false);
            if (owner == null && claim) {
                try (PreparedStatement insert = connection.prepareStatement("INSERT IGNORE INTO " + ownerTable
                        + " (session_id, outbox_table, outbox_id, epoch, max_seq, batch_no, updated_at)"
                        + " VALUES (?, ?, ?, 0, 0, 0, UTC_TIMESTAMP(6))")) {
                    insert.setString(1, sessionId);
                    insert.setString(2, tableName);
                    // made here, not by the server: UUID() replicates differently under statement-based binlogs
                    insert.setString(3, UUID.randomUUID().toString());
                    owner = lockOwner(connection, sessionId, insert.executeUpdate() == 1);
                }
            }
            if (owner == null) {
                throw new OutboxIdentityException(sessionId, "source outbox '" + tableName + "' has no owner row for"
                        + " this session in " + OutboxSchema.OWNER_TABLE + " (the source database changed under it)");
            }
            if (owner.epoch() > epoch) {
                throw new StaleEpochException(sessionId, epoch, owner.epoch(), "source outbox '" + tableName + "'");
            }
            T result = work.run(owner);
            // a claim has brought the outbox to its checkpoint's batch (marked it, unmarked what came after): the row
            // says exactly that, also when the destination went back (restored) and the row had counted further
            try (PreparedStatement update = connection.prepareStatement("UPDATE " + ownerTable
                    + " SET epoch = ?, outbox_table = ?, max_seq = GREATEST(max_seq, ?), batch_no = "
                    + (claim ? "?" : "GREATEST(batch_no, ?)") + ", updated_at = UTC_TIMESTAMP(6) WHERE session_id = ?")) {
                update.setLong(1, epoch);
                update.setString(2, tableName);
                update.setLong(3, markedUpTo);
                update.setLong(4, markedBatch);
                update.setString(5, sessionId);
                update.executeUpdate();
            }
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        }
    }

    /** The session's owner row, locked for the transaction; null when there is none. */
    private Owner lockOwner(Connection connection, String sessionId, boolean created) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT outbox_table, outbox_id, epoch, batch_no FROM "
                + ownerTable + " WHERE session_id = ? FOR UPDATE")) {
            select.setString(1, sessionId);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? new Owner(row.getString(1), row.getString(2), row.getLong(3), row.getLong(4), created) : null;
            }
        }
    }

    /**
     * The outbox must be the one the checkpoint came from: the same owner row (identity and table),
     * which has marked the checkpoint's last batch, or the one before it and still holds the whole
     * last batch unmarked (only the last acknowledgement can be lost: they are made one at a time).
     * A source restored or failed over to a copy that missed the last inserts or acknowledgements
     * has neither.
     */
    private void checkIdentity(Connection connection, Checkpoint checkpoint, Owner owner) throws SQLException {
        String id = checkpoint.outboxId();
        if (id == null) {
            return; // the first claim here, or an operator adopted this outbox: it becomes the session's
        }
        if (owner.created() || !id.equals(owner.outboxId()) || !tableName.equals(owner.outboxTable())) {
            throw new OutboxIdentityException(checkpoint.sessionId(), "its checkpoint (batch " + checkpoint.batchNo()
                    + ", seqs up to " + checkpoint.maxSeq() + ") came from outbox " + id + ", but the source now names "
                    + (owner.created() ? "an outbox the bus has never written to" : "outbox " + owner.outboxId() + " (table '"
                    + owner.outboxTable() + "')") + " as '" + tableName + "'");
        }
        SeqRanges last = checkpoint.batchSeqs();
        if (last.isEmpty() || owner.batchNo() >= checkpoint.batchNo()) {
            return;
        }
        long expected = 0;
        for (int i = 0; i < last.rangeCount(); i++) {
            expected += last.to(i) - last.from(i) + 1;
        }
        long unmarked;
        try (PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM " + table
                + " WHERE " + format(connection).unmoved() + " AND " + last.sqlCondition("seq"))) {
            last.bind(count, 1);
            try (ResultSet row = count.executeQuery()) {
                row.next();
                unmarked = row.getLong(1);
            }
        }
        if (owner.batchNo() < checkpoint.batchNo() - 1 || unmarked != expected) {
            throw new OutboxIdentityException(checkpoint.sessionId(), "outbox '" + tableName + "' went back: it has marked"
                    + " batches up to " + owner.batchNo() + " but the destination has committed batch " + checkpoint.batchNo()
                    + ", and it holds " + unmarked + " of the " + expected + " events of that batch unmarked (" + last
                    + "); the source was restored or failed over to a copy that misses inserts or acknowledgements");
        }
    }

    /** Creates the owner table unless it exists: a user allowed only to use it (created by a DBA) never needs CREATE. */
    private void createOwnerTable(Connection connection) throws SQLException {
        try (Statement probe = connection.createStatement()) {
            probe.executeQuery("SELECT 1 FROM " + ownerTable + " LIMIT 0").close();
            return;
        } catch (SQLException e) {
            if (e.getErrorCode() != 1146) { // table doesn't exist
                throw e;
            }
        }
        try (Statement ddl = connection.createStatement()) {
            ddl.execute(OutboxSchema.ownerDdl(ownerTable));
        } catch (SQLException e) {
            if (e.getErrorCode() == 1142) { // CREATE command denied
                throw new SQLException("the source user may not create " + OutboxSchema.OWNER_TABLE + "; create it once"
                        + " as a DBA (OutboxSchema.OWNER_DDL, see docs/delivery.md) and grant SELECT, INSERT, UPDATE on it: "
                        + e.getMessage(), e.getSQLState(), e.getErrorCode(), e);
            }
            throw e;
        }
    }

    private int markBatch(Connection connection, long batchNo, SeqRanges seqs) throws SQLException {
        if (seqs.isEmpty()) {
            return 0;
        }
        if (retention.isZero()) {
            return deleteExactly(connection, seqs);
        }
        // by primary key alone: a range on (moved_batch, seq) would reach the application's next uncommitted insert; the
        // range's end may meet it too, but an UPDATE under READ COMMITTED reads past a row it cannot lock (semi-consistent)
        try (PreparedStatement statement = connection.prepareStatement("UPDATE " + table + " SET " + format(connection).mark()
                + " WHERE " + seqs.sqlCondition("seq"))) {
            statement.setLong(1, batchNo);
            seqs.bind(statement, 2);
            return statement.executeUpdate();
        }
    }

    /**
     * Deletes exactly the batch's seqs, each found by the primary key: the seqs are a derived table
     * (at most {@value #DELETE_CHUNK} a statement) joined to the outbox in that order, so each row is
     * an exact lookup ({@code eq_ref}) and no other row is read. A {@code BETWEEN} reads the row after
     * the range's end as well, and an {@code IN} list on a small table (the usual outbox when moved
     * rows are deleted) is a full scan: when such a row is the application's uncommitted insert of
     * the next seq, a DELETE (which, unlike an UPDATE, does not read past a locked row) waits for the
     * application's transaction to end.
     */
    private int deleteExactly(Connection connection, SeqRanges seqs) throws SQLException {
        int deleted = 0;
        List<Long> chunk = new ArrayList<>();
        for (int i = 0; i < seqs.rangeCount(); i++) {
            for (long seq = seqs.from(i); seq <= seqs.to(i); seq++) {
                chunk.add(seq);
                if (chunk.size() == DELETE_CHUNK) {
                    deleted += deleteSeqs(connection, chunk);
                    chunk.clear();
                }
            }
        }
        return chunk.isEmpty() ? deleted : deleted + deleteSeqs(connection, chunk);
    }

    private int deleteSeqs(Connection connection, List<Long> seqs) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE o FROM (SELECT ? AS seq"
                + " UNION ALL SELECT ?".repeat(seqs.size() - 1) + ") AS moved STRAIGHT_JOIN " + table
                + " AS o ON o.seq = moved.seq")) {
            for (int i = 0; i < seqs.size(); i++) {
                delete.setLong(i + 1, seqs.get(i));
            }
            return delete.executeUpdate();
        }
    }

    private int unmarkAfter(Connection connection, long batchNo) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "UPDATE " + table + " SET " + format(connection).unmark() + " WHERE moved_batch > ?")) {
            statement.setLong(1, batchNo);
            return statement.executeUpdate();
        }
    }
}
