package io.bambus.core.apply;

import io.bambus.core.aggregate.AggregationWriteException;
import io.bambus.core.session.CheckpointMismatchException;
import io.bambus.core.session.OutboxIdentityException;
import io.bambus.core.session.StaleEpochException;
import io.bambus.core.session.Checkpoint;
import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.event.DecodedEvent;
import io.bambus.core.event.EventStream;
import io.bambus.core.session.SeqRanges;
import io.bambus.core.sql.SqlTimes;
import io.bambus.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Applies batches of one session's events to the destination, each in ONE transaction with the
 * session's checkpoint and fencing epoch: the activity rows, the quarantined events and the
 * checkpoint commit together or not at all.
 *
 * <p>A commit whose epoch is older than the recorded one throws {@link StaleEpochException} and
 * changes nothing; so does a commit that does not continue from the recorded batch
 * ({@link CheckpointMismatchException}). Events that cannot apply (poison, or anything they make
 * our code or the server throw) go to {@code bam_failed_events} with the reason and their original
 * bytes, the later events of their instance wait there behind them, and the rest commits. Sessions
 * applying to the same instance take turns on it (see {@link ActivityBatch}).
 */
public final class Applier {

    private static final Logger LOG = LogManager.getLogger(Applier.class);
    /** Tries of a batch that keeps meeting another transaction's locks before the session backs off. */
    private static final int MAX_ATTEMPTS = 5;
    /** A checkpoint row's columns in the order {@link #checkpoint(String, ResultSet)} reads them. */
    private static final String CHECKPOINT_COLUMNS = "epoch, batch_no, batch_seqs, max_seq, events_applied, events_failed, outbox_id";

    private final DataSource destination;
    private final String sessionId;
    /** Deployed definitions by lower-case name, reloaded when an event names something unknown. */
    private volatile Map<String, ActivityDefinition> definitions;
    private volatile String definitionsStamp = "";

    public Applier(DataSource destination, String sessionId) {
        this.destination = destination;
        this.sessionId = sessionId;
    }

    public String sessionId() {
        return sessionId;
    }

    /** What one committed batch did. */
    public record Result(Checkpoint checkpoint, int applied, List<FailedEvent> failed) {
    }

    /**
     * Takes the session for {@code epoch}: from now on commits of older epochs are refused. A new
     * runner's epoch must be above every epoch recorded so far, so no two runners ever share one;
     * {@code resume} is for the same runner claiming again after an error. Returns the checkpoint
     * of record, from which the runner continues.
     */
    public Checkpoint claim(long epoch, boolean resume) throws SQLException {
        // two statements in autocommit, not a locking transaction: the conditional update is the check and
        // the take in one atomic step, and what is read after it can change only by a newer epoch's claim
        // (a member's loss moves thousands of sessions at once: each claim's round trips count)
        try (Connection connection = destination.getConnection()) {
            if (!connection.getAutoCommit()) {
                connection.setAutoCommit(true); // our pools' connections are; a round trip saved on each claim
            }
            if (!takeEpoch(connection, epoch, resume)) {
                Checkpoint recorded = read(connection, false);
                if (recorded != null && !(resume && recorded.epoch() == epoch)) { // (a URL may ask for changed rows)
                    throw new StaleEpochException(sessionId, epoch, recorded.epoch());
                }
                if (recorded == null) {
                    insertCheckpoint(connection);
                    if (!takeEpoch(connection, epoch, resume)) {
                        Checkpoint raced = read(connection, false);
                        throw new StaleEpochException(sessionId, epoch, raced == null ? 0 : raced.epoch());
                    }
                }
            }
            Checkpoint recorded = read(connection, false);
            if (recorded == null || recorded.epoch() != epoch) {
                // a newer epoch took the session between the two statements
                throw new StaleEpochException(sessionId, epoch, recorded == null ? 0 : recorded.epoch());
            }
            return recorded;
        }
    }

    /**
     * {@link #claim} of many sessions' first claims at once, each for an epoch above every recorded
     * one (a member's loss moves thousands of sessions; a claim each was a commit storm on a busy
     * server): one transaction of a locking read and one conditional update for all. A row another
     * transaction holds (a dead member's unfinished batch, until the server notices) is skipped, not
     * waited for: one such session must not hold up the rest, it claims alone. Per session id:
     * its checkpoint of record, now under its epoch; a {@link StaleEpochException} where the recorded
     * epoch is not below it (a newer runner's, or a runner's of the same epoch: two must never share
     * one); absent where it has no checkpoint row yet (the caller claims it alone).
     */
    public static java.util.Map<String, Object> claimAll(DataSource destination, java.util.Map<String, Long> epochs)
            throws SQLException {
        java.util.Map<String, Object> outcomes = new java.util.HashMap<>();
        if (epochs.isEmpty()) {
            return outcomes;
        }
        List<String> ids = new ArrayList<>(new TreeMap<>(epochs).keySet()); // one order for every bulk claim's row locks
        try (Connection connection = destination.getConnection()) {
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            connection.setAutoCommit(false);
            try {
                List<String> taking = new ArrayList<>();
                try (PreparedStatement select = connection.prepareStatement("SELECT " + CHECKPOINT_COLUMNS
                        + ", session_id FROM bam_checkpoints WHERE session_id IN ("
                        + "?,".repeat(ids.size() - 1) + "?) ORDER BY session_id FOR UPDATE SKIP LOCKED")) {
                    for (int i = 0; i < ids.size(); i++) {
                        select.setString(i + 1, ids.get(i));
                    }
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            String id = rows.getString(8);
                            Long claimed = epochs.get(id);
                            if (claimed == null) {
                                continue; // a row the table's collation matched to another spelling: that session claims alone
                            }
                            long epoch = claimed;
                            long recorded = rows.getLong(1);
                            if (recorded >= epoch) {
                                outcomes.put(id, new StaleEpochException(id, epoch, recorded));
                            } else {
                                taking.add(id);
                                outcomes.put(id, checkpoint(id, rows).withEpoch(epoch));
                            }
                        }
                    }
                }
                if (!taking.isEmpty()) {
                    try (PreparedStatement update = connection.prepareStatement("UPDATE bam_checkpoints SET epoch = CASE session_id"
                            + " WHEN ? THEN ?".repeat(taking.size()) + " END WHERE session_id IN (" + "?,".repeat(taking.size() - 1)
                            + "?)")) {
                        int index = bindCases(update, 1, taking, epochs);
                        for (String id : taking) {
                            update.setString(index++, id);
                        }
                        update.executeUpdate();
                    }
                }
                connection.commit();
                return outcomes;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    private static int bindCases(PreparedStatement statement, int first, List<String> ids, java.util.Map<String, Long> epochs)
            throws SQLException {
        int index = first;
        for (String id : ids) {
            statement.setString(index++, id);
            statement.setLong(index++, epochs.get(id));
        }
        return index;
    }

    private void insertCheckpoint(Connection connection) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT IGNORE INTO bam_checkpoints (session_id, epoch, batch_no, batch_seqs, max_seq, events_applied,"
                        + " events_failed, updated_at) VALUES (?, 0, 0, '', 0, 0, 0, UTC_TIMESTAMP(6))")) {
            insert.setString(1, sessionId);
            insert.executeUpdate();
        }
    }

    /** Raises the checkpoint's epoch to {@code epoch} if it is below (or equal, for {@code resume}); false when it is not, or no row exists. */
    private boolean takeEpoch(Connection connection, long epoch, boolean resume) throws SQLException {
        // Connector/J reports matched rows (not changed ones): a resume at the same epoch counts
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE bam_checkpoints SET epoch = ? WHERE session_id = ? AND (epoch < ? OR (epoch = ? AND ?))")) {
            update.setLong(1, epoch);
            update.setString(2, sessionId);
            update.setLong(3, epoch);
            update.setLong(4, epoch);
            update.setBoolean(5, resume);
            return update.executeUpdate() > 0;
        }
    }

    /**
     * Records which outbox the session's checkpoint comes from, under {@code epoch}: the first claim
     * against a source (or the first after {@link #forgetOutbox}) adopts the outbox it found there.
     */
    public void recordOutbox(long epoch, String outboxId) throws SQLException {
        try (Connection connection = destination.getConnection();
             PreparedStatement update = connection.prepareStatement(
                     "UPDATE bam_checkpoints SET outbox_id = ? WHERE session_id = ? AND epoch = ? AND outbox_id IS NULL")) {
            update.setString(1, outboxId);
            update.setString(2, sessionId);
            update.setLong(3, epoch);
            if (update.executeUpdate() == 0) {
                Checkpoint recorded = checkpoint();
                if (recorded == null || recorded.epoch() != epoch) {
                    throw new StaleEpochException(sessionId, epoch, recorded == null ? 0 : recorded.epoch());
                }
                if (!outboxId.equals(recorded.outboxId())) {
                    throw new OutboxIdentityException(sessionId, "the destination recorded outbox " + recorded.outboxId()
                            + " for this session meanwhile");
                }
            }
        }
    }

    /**
     * An operator's decision that the session continues from the outbox its source names now (a new or
     * rebuilt outbox whose seqs start again): the checkpoint keeps its counters and batch number but
     * forgets the old outbox's identity and seqs, so the next claim adopts the new one and marks none of
     * its rows from the old batch. Returns false when the session has no checkpoint.
     */
    public boolean forgetOutbox() throws SQLException {
        try (Connection connection = destination.getConnection();
             PreparedStatement update = connection.prepareStatement("UPDATE bam_checkpoints SET outbox_id = NULL,"
                     + " batch_seqs = '', max_seq = 0, updated_at = UTC_TIMESTAMP(6) WHERE session_id = ?")) {
            update.setString(1, sessionId);
            return update.executeUpdate() > 0;
        }
    }

    /** The checkpoint of record, or null when the session never committed nor claimed. */
    public Checkpoint checkpoint() throws SQLException {
        try (Connection connection = destination.getConnection()) {
            return read(connection, false);
        }
    }

    /**
     * Applies {@code events} (in outbox order) as the batch after {@code previous}, under
     * {@code epoch}, in one transaction. A transaction that deadlocks or times out waiting for a
     * lock (another session on the same instances) is retried a few times with back-off.
     */
    public Result apply(long epoch, Checkpoint previous, List<DecodedEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return new Result(previous, 0, List.of());
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return applyOnce(epoch, previous, events);
            } catch (SQLException e) {
                if (!DestinationErrors.contended(e) || attempt == MAX_ATTEMPTS) {
                    throw e;
                }
                long backOff = (5L << attempt) + ThreadLocalRandom.current().nextLong(5L << attempt);
                LOG.debug("Session '{}': batch after {} met another transaction ({}); retrying in {} ms", sessionId,
                        previous.batchNo(), e.getMessage(), backOff);
                LockSupport.parkNanos(backOff * 1_000_000);
            }
        }
    }

    private Result applyOnce(long epoch, Checkpoint previous, List<DecodedEvent> events) throws SQLException {
        try (Connection connection = destination.getConnection()) {
            // see ActivityBatch.lock: reads after the instance locks must see the latest commit
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            connection.setAutoCommit(false);
            try {
                Checkpoint recorded = lockCheckpoint(connection);
                long recordedEpoch = recorded == null ? 0 : recorded.epoch();
                long recordedBatch = recorded == null ? 0 : recorded.batchNo();
                if (epoch < recordedEpoch) {
                    throw new StaleEpochException(sessionId, epoch, recordedEpoch);
                }
                if (recorded == null || recordedBatch != previous.batchNo()) {
                    throw new CheckpointMismatchException(sessionId, previous.batchNo(), recordedBatch);
                }
                long batchNo = recordedBatch + 1;
                Quarantine quarantine = new Quarantine(sessionId);
                applyAll(connection, events, quarantine, Long.MAX_VALUE, batchNo);
                List<FailedEvent> failed = quarantine.events();
                insertFailed(connection, batchNo, failed);
                long[] seqs = new long[events.size()];
                for (int i = 0; i < seqs.length; i++) {
                    seqs[i] = events.get(i).seq();
                }
                SeqRanges batchSeqs = SeqRanges.of(seqs);
                int applied = events.size() - failed.size();
                Checkpoint next = new Checkpoint(sessionId, epoch, batchNo, batchSeqs,
                        Math.max(recorded.maxSeq(), batchSeqs.max()), recorded.eventsApplied() + applied,
                        recorded.eventsFailed() + failed.size(), recorded.outboxId());
                writeCheckpoint(connection, next);
                connection.commit();
                for (FailedEvent failure : failed) {
                    LOG.warn("Session '{}': event seq {} quarantined in bam_failed_events: {}", sessionId,
                            failure.event().seq(), failure.reason());
                }
                return new Result(next, applied, failed);
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /**
     * Applies one quarantined event outside any batch (an operator's retry of failed row
     * {@code failedId}), in the caller's READ COMMITTED transaction; the session's checkpoint is not
     * touched. Returns why it still cannot apply, or null when it applied. A refused event leaves
     * no change behind.
     */
    String applyAlone(Connection connection, DecodedEvent event, long failedId) throws SQLException {
        Savepoint before = connection.setSavepoint();
        Quarantine quarantine = new Quarantine(sessionId);
        applyAll(connection, List.of(event), quarantine, failedId, 0);
        if (!quarantine.events().isEmpty()) {
            connection.rollback(before);
            return quarantine.events().get(0).reason();
        }
        return null;
    }

    private void applyAll(Connection connection, List<DecodedEvent> events, Quarantine quarantine, long holdsBelowId,
                          long batchNo) throws SQLException {
        // the definitions as deployed now: a deployment that added an aggregation rebuilt it under this
        // session's checkpoint lock, and every later batch must keep it (see AggregationRebuild)
        String stamp = definitionsStamp(connection);
        if (!stamp.equals(definitionsStamp)) {
            definitions(connection, true);
            definitionsStamp = stamp;
        }
        while (true) {
            Savepoint beforeEvents = connection.setSavepoint();
            try {
                applyIsolating(connection, events, quarantine, holdsBelowId, batchNo);
                return;
            } catch (DefinitionsChangedException changed) {
                connection.rollback(beforeEvents);
                quarantine.resetTo(0);
            }
        }
    }

    /**
     * Applies {@code events}; when they fail for a reason of their own (anything but the
     * destination's state), splits them in halves and applies each (as BizTalk's TDDS does) until
     * the failing events stand alone, quarantines those and keeps the rest, in order.
     */
    private void applyIsolating(Connection connection, List<DecodedEvent> events, Quarantine quarantine, long holdsBelowId,
                                long batchNo) throws SQLException {
        Savepoint before = connection.setSavepoint();
        int mark = quarantine.mark();
        try {
            applyEvents(connection, events, quarantine, holdsBelowId);
            connection.releaseSavepoint(before);
            return;
        } catch (DefinitionsChangedException changed) {
            throw changed;
        } catch (SQLException | RuntimeException e) {
            if (DestinationErrors.unavailable(e) || e instanceof AggregationWriteException) {
                throw e;
            }
            // the instance locks taken so far stay held: a rollback to a savepoint keeps them
            connection.rollback(before);
            quarantine.resetTo(mark);
            if (events.size() > 1) {
                LOG.warn("Session '{}': {} events of batch {} failed together ({}); splitting them to isolate the cause",
                        sessionId, events.size(), batchNo, e.toString());
                int half = events.size() / 2;
                applyIsolating(connection, events.subList(0, half), quarantine, holdsBelowId, batchNo);
                applyIsolating(connection, events.subList(half, events.size()), quarantine, holdsBelowId, batchNo);
                return;
            }
            DecodedEvent event = events.get(0);
            ActivityDefinition definition = definitions(connection, false).get(Quarantine.activityKey(event.activity()));
            String instance = definition == null ? event.instanceId() : ActivityBatch.instanceOf(connection, definition, event.instanceId());
            Quarantine.Blocker blocker = quarantine.blocker(event.activity(), instance);
            quarantine.add(new FailedEvent(event.source(), blocker != null ? blocker.reason(event.activity()) : whyItFailed(e), instance));
        }
    }

    private static String whyItFailed(Exception e) {
        if (e instanceof SQLException s) {
            return "the destination refused the event (SQLState " + s.getSQLState() + ", error " + s.getErrorCode() + "): "
                    + Identifiers.shorten(String.valueOf(s.getMessage()), 1_000);
        }
        // our own code failed on this event: the class and message point at the bug to report
        return "applying the event failed: " + Identifiers.shorten(String.valueOf(e), 1_000);
    }

    private void applyEvents(Connection connection, List<DecodedEvent> events, Quarantine quarantine, long holdsBelowId)
            throws SQLException {
        Map<String, ActivityDefinition> known = definitions(connection, false);
        boolean reloaded = false;
        // activities in name order: two batches lock their instances in the same order
        Map<ActivityDefinition, List<DecodedEvent>> byActivity = new TreeMap<>(
                java.util.Comparator.comparing((ActivityDefinition d) -> d.name().toLowerCase(Locale.ROOT)));
        for (DecodedEvent event : events) {
            String id = event.instanceId();
            String key = Quarantine.activityKey(event.activity());
            ActivityDefinition definition = known.get(key);
            if (definition == null && !reloaded) {
                known = definitions(connection, true);
                reloaded = true;
                definition = known.get(key);
            }
            boolean idFits = id != null && !id.isEmpty() && id.codePointCount(0, id.length()) <= EventStream.MAX_ID_LENGTH;
            if (event.failed() && (definition == null || !idFits)) {
                quarantine.add(new FailedEvent(event.source(), event.failure(), id));
            } else if (!idFits) {
                quarantine.add(new FailedEvent(event.source(), "instance id must be 1 to " + EventStream.MAX_ID_LENGTH
                        + " characters, it is " + (id == null ? 0 : id.codePointCount(0, id.length())), id));
            } else if (definition == null) {
                quarantine.add(new FailedEvent(event.source(), "unknown activity '" + Identifiers.shorten(event.activity(), 60)
                        + "': no definition with that name is deployed; deploy it, then retry the event", id));
            } else {
                // an event that did not decode still goes in its activity's batch: it holds back its instance
                byActivity.computeIfAbsent(definition, d -> new ArrayList<>()).add(event);
            }
        }
        for (Map.Entry<ActivityDefinition, List<DecodedEvent>> group : byActivity.entrySet()) {
            ActivityBatch batch = new ActivityBatch(group.getKey(), group.getValue(), quarantine, holdsBelowId);
            batch.apply(connection);
            if (batch.sawUnknownItem() && !reloaded) {
                // an item may have been deployed since the definitions were loaded: reload once, redo the batch
                Map<String, ActivityDefinition> fresh = definitions(connection, true);
                reloaded = true;
                ActivityDefinition newer = fresh.get(group.getKey().name().toLowerCase(Locale.ROOT));
                if (newer != null && !newer.equals(group.getKey())) {
                    throw new DefinitionsChangedException();
                }
            }
        }
    }

    /** The definitions changed under a batch; it is applied again from the start with the new ones. */
    private static final class DefinitionsChangedException extends SQLException {
        DefinitionsChangedException() {
            super("activity definitions changed during the batch");
        }
    }

    /** Changes whenever a deployed definition does (a checksum of them all; the table holds one row per activity). */
    private static String definitionsStamp(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT CONCAT(COUNT(*), '/', COALESCE(SUM(CRC32(definition)), 0), '/', COALESCE(MAX(deployed_at), 0))"
                        + " FROM bam_definitions");
             ResultSet row = select.executeQuery()) {
            row.next();
            return row.getString(1);
        }
    }

    private Map<String, ActivityDefinition> definitions(Connection connection, boolean reload) throws SQLException {
        Map<String, ActivityDefinition> current = definitions;
        if (current == null || reload) {
            current = ActivityDeployer.deployed(connection);
            definitions = current;
        }
        return current;
    }

    private Checkpoint lockCheckpoint(Connection connection) throws SQLException {
        return read(connection, true);
    }

    private Checkpoint read(Connection connection, boolean forUpdate) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT " + CHECKPOINT_COLUMNS + " FROM bam_checkpoints WHERE session_id = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            select.setString(1, sessionId);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? checkpoint(sessionId, row) : null;
            }
        }
    }

    /** The checkpoint of {@code sessionId} in {@code row}, which selected {@link #CHECKPOINT_COLUMNS} first. */
    private static Checkpoint checkpoint(String sessionId, ResultSet row) throws SQLException {
        return new Checkpoint(sessionId, row.getLong(1), row.getLong(2), SeqRanges.parse(row.getString(3)), row.getLong(4),
                row.getLong(5), row.getLong(6), row.getString(7));
    }

    private void writeCheckpoint(Connection connection, Checkpoint next) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE bam_checkpoints SET epoch = ?, batch_no = ?, batch_seqs = ?, max_seq = ?, events_applied = ?,"
                        + " events_failed = ?, updated_at = UTC_TIMESTAMP(6) WHERE session_id = ?")) {
            update.setLong(1, next.epoch());
            update.setLong(2, next.batchNo());
            update.setString(3, next.batchSeqs().toString());
            update.setLong(4, next.maxSeq());
            update.setLong(5, next.eventsApplied());
            update.setLong(6, next.eventsFailed());
            update.setString(7, sessionId);
            update.executeUpdate();
        }
    }

    private void insertFailed(Connection connection, long batchNo, List<FailedEvent> failed) throws SQLException {
        if (failed.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO bam_failed_events (session_id, source_seq, batch_no, event_kind, activity, instance_id, payload,"
                        + " event_time, reason, failed_at, target_activity, target_instance)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), ?, ?)")) {
            for (FailedEvent failure : failed) {
                insert.setString(1, sessionId);
                insert.setLong(2, failure.event().seq());
                insert.setLong(3, batchNo);
                insert.setString(4, cut(failure.event().kind(), 32));
                insert.setString(5, cut(failure.event().activity(), 255));
                insert.setString(6, cut(failure.event().instanceId(), 255));
                insert.setBytes(7, failure.event().payload() == null ? new byte[0] : failure.event().payload());
                SqlTimes.bind(insert, 8, failure.event().eventTime());
                insert.setString(9, cut(failure.reason(), 2000));
                insert.setString(10, cut(Quarantine.activityKey(failure.event().activity()), 255));
                insert.setString(11, cut(failure.instance(), 255));
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private static String cut(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max);
    }

}
