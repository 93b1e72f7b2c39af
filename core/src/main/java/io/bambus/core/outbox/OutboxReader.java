package io.bambus.core.outbox;

import io.bambus.core.apply.Checkpoint;
import io.bambus.core.event.OutboxEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
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
 * unmarked; {@link #reconcile} marks it from the destination's checkpoint before the next read,
 * so it is never read twice. Rows marked by batches the destination no longer has (it was
 * restored) are unmarked by the same call, and replay.
 */
public final class OutboxReader {

    private static final Logger LOG = LogManager.getLogger(OutboxReader.class);

    private final DataSource source;
    private final String table;
    private final Duration retention;
    private final String selectSql;

    /**
     * @param retention how long moved rows stay in the outbox; zero deletes them as soon as the
     *                  destination commit covers them (and gives up replay after a restore)
     */
    public OutboxReader(DataSource source, String table, Duration retention) {
        this.source = source;
        this.table = OutboxSchema.quoted(table);
        this.retention = retention;
        this.selectSql = "SELECT seq, kind, activity, instance_id, payload, event_time FROM " + this.table
                + " WHERE moved_batch IS NULL ORDER BY seq LIMIT ?";
    }

    /** Up to {@code limit} committed, unmoved events, lowest seq first. */
    public List<OutboxEvent> read(int limit) throws SQLException {
        List<OutboxEvent> events = new ArrayList<>(Math.min(limit, 1024));
        try (Connection connection = source.getConnection();
             PreparedStatement statement = connection.prepareStatement(selectSql)) {
            statement.setInt(1, limit);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    events.add(new OutboxEvent(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4),
                            rows.getBytes(5), rows.getObject(6, LocalDateTime.class)));
                }
            }
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
        }
        return events;
    }

    /** Marks (or, with no retention, deletes) the rows of a batch the destination has committed. */
    public int acknowledge(long batchNo, SeqRanges seqs) throws SQLException {
        if (seqs.isEmpty()) {
            return 0;
        }
        String sql = retention.isZero()
                ? "DELETE FROM " + table + " WHERE " + seqs.sqlCondition("seq")
                : "UPDATE " + table + " SET moved_batch = ?, moved_at = UTC_TIMESTAMP(6) WHERE moved_batch IS NULL AND "
                        + seqs.sqlCondition("seq");
        try (Connection connection = source.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            int index = 1;
            if (!retention.isZero()) {
                statement.setLong(index++, batchNo);
            }
            seqs.bind(statement, index);
            int rows = statement.executeUpdate();
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
            return rows;
        }
    }

    /**
     * Brings the outbox in line with the destination's checkpoint before reading: marks the
     * checkpoint's batch (its acknowledgement may have been lost) and unmarks rows of later batches,
     * which the destination no longer holds. Returns the number of rows unmarked for replay.
     */
    public int reconcile(Checkpoint checkpoint) throws SQLException {
        acknowledge(checkpoint.batchNo(), checkpoint.batchSeqs());
        if (retention.isZero()) {
            return 0;
        }
        try (Connection connection = source.getConnection();
             PreparedStatement statement = connection.prepareStatement(
                     "UPDATE " + table + " SET moved_batch = NULL, moved_at = NULL WHERE moved_batch > ?")) {
            statement.setLong(1, checkpoint.batchNo());
            int replay = statement.executeUpdate();
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
            if (replay > 0) {
                LOG.warn("Session '{}': {} outbox rows were moved after the destination's checkpoint (batch {}); "
                        + "the destination lost them (restored or failed over), replaying them", checkpoint.sessionId(), replay,
                        checkpoint.batchNo());
            }
            return replay;
        }
    }

    /**
     * Deletes at most {@code limit} rows that were moved longer than the retention period ago,
     * oldest first; returns how many. Rows not yet moved are never touched. With no retention
     * there is nothing to purge (acknowledge deleted the rows).
     */
    public int purge(int limit) throws SQLException {
        if (retention.isZero()) {
            return 0;
        }
        try (Connection connection = source.getConnection();
             PreparedStatement statement = connection.prepareStatement("DELETE FROM " + table
                     + " WHERE moved_at < UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND ORDER BY moved_at LIMIT ?")) {
            statement.setLong(1, retention.toNanos() / 1_000);
            statement.setInt(2, limit);
            int rows = statement.executeUpdate();
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
            return rows;
        }
    }

    /** Events waiting in the outbox and the time of the oldest (null when none wait). */
    public Lag lag() throws SQLException {
        try (Connection connection = source.getConnection();
             PreparedStatement statement = connection.prepareStatement(
                     "SELECT COUNT(*), MIN(event_time) FROM " + table + " WHERE moved_batch IS NULL");
             ResultSet row = statement.executeQuery()) {
            row.next();
            return new Lag(row.getLong(1), row.getObject(2, LocalDateTime.class));
        }
    }

    /** What a session has still to move. */
    public record Lag(long events, LocalDateTime oldestEventTime) {
    }
}
