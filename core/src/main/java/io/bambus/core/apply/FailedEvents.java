package io.bambus.core.apply;

import io.bambus.core.event.EventDecoder;
import io.bambus.core.session.OutboxEvent;
import io.bambus.core.sql.SqlTimes;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The quarantined events in {@code bam_failed_events}: listing them for operators, retrying them
 * (each in its own destination transaction: the event is applied and its failed row deleted
 * together, so a retry applies at most once) and discarding them.
 *
 * <p>Events of an instance apply in order even through quarantine: while an instance has a
 * quarantined event, the applier quarantines its later events too ("held behind" it), and a retry
 * of a held event is refused until every earlier quarantined event of its instance was retried or
 * discarded. Retrying a selection retries its rows oldest first, so retrying all of an instance's
 * rows at once (by session, or by ids) applies the blocking event and then the held ones in order;
 * discarding the blocking event releases the held ones for retry.
 */
public final class FailedEvents {

    /** Most rows one list, retry or discard call handles. */
    public static final int MAX_ROWS = 1_000;

    /** A row's columns in the order {@link #row(ResultSet)} reads them. */
    private static final String COLUMNS = "id, session_id, source_seq, batch_no, event_kind, activity, instance_id, payload,"
            + " event_time, reason, failed_at";
    private static final String NOT_FOUND = "no failed event with this id (already retried or discarded)";

    private final DataSource destination;

    public FailedEvents(DataSource destination) {
        this.destination = destination;
    }

    /** One quarantined event. {@code payload} holds the original bytes. */
    public record Row(long id, String sessionId, long sourceSeq, long batchNo, String kind, String activity,
                      String instanceId, byte[] payload, LocalDateTime eventTime, String reason, LocalDateTime failedAt)
            implements java.io.Serializable {

        /** The payload as text (invalid UTF-8 shows as replacement characters). */
        public String payloadText() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        OutboxEvent event() {
            return new OutboxEvent(sourceSeq, kind, activity, instanceId, payload, eventTime);
        }
    }

    /**
     * Which rows: every non-null part must match. {@code reasonContains} is a substring of the
     * reason; {@code ids}, when not empty, limits the rows to those ids. {@code expected}, when not
     * null, is how many rows the operator saw match: a retry or discard acts only if exactly that
     * many match when it starts, and then on exactly those (refused otherwise: {@link #COUNT_CHANGED}).
     */
    public record Filter(String sessionId, String activity, String reasonContains, List<Long> ids, Long expected)
            implements java.io.Serializable {

        public Filter {
            ids = ids == null ? List.of() : List.copyOf(ids);
        }

        public Filter(String sessionId, String activity, String reasonContains, List<Long> ids) {
            this(sessionId, activity, reasonContains, ids, null);
        }

        public static Filter ids(List<Long> ids) {
            return new Filter(null, null, null, ids);
        }

        public static Filter all() {
            return new Filter(null, null, null, List.of());
        }

        boolean empty() {
            return sessionId == null && activity == null && reasonContains == null && ids.isEmpty();
        }
    }

    /**
     * The start of the message of a retry or discard refused because the rows matching its filter
     * are not the number the operator saw ({@link Filter#expected}); nothing was done. The refusal
     * is a plain {@link IllegalArgumentException}: a class of ours would reach a Hazelcast client
     * as an undefined error, the message prefix survives the trip.
     */
    public static final String COUNT_CHANGED = "count changed: ";

    private static IllegalArgumentException countChanged(long now, long expected) {
        return new IllegalArgumentException(COUNT_CHANGED + now + " failed events match this filter now, not " + expected
                + " as when you looked");
    }

    /** What happened to one retried event: applied (its row is gone), or still failing and why. */
    public record Retry(long id, boolean applied, String reason) implements java.io.Serializable {
    }

    public long count(Filter filter) throws SQLException {
        List<Object> args = new ArrayList<>();
        String where = where(filter, args);
        try (Connection connection = destination.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT COUNT(*) FROM bam_failed_events" + where)) {
            bind(select, args);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** Rows matching {@code filter}, oldest first, at most {@code limit} (≤ {@value #MAX_ROWS}) from {@code offset}. */
    public List<Row> list(Filter filter, long offset, int limit) throws SQLException {
        List<Object> args = new ArrayList<>();
        String where = where(filter, args);
        try (Connection connection = destination.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM bam_failed_events" + where
                     + " ORDER BY id LIMIT ? OFFSET ?")) {
            bind(select, args);
            select.setInt(args.size() + 1, Math.max(0, Math.min(limit, MAX_ROWS)));
            select.setLong(args.size() + 2, Math.max(0, offset));
            List<Row> result = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    result.add(row(rows));
                }
            }
            return result;
        }
    }

    /** The row with {@code id}, or null. */
    public Row get(long id) throws SQLException {
        List<Row> rows = list(Filter.ids(List.of(id)), 0, 1);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /**
     * Retries the rows matching {@code filter} (at most {@value #MAX_ROWS}), each alone: applied
     * and deleted in one transaction, or kept with its new reason.
     */
    public List<Retry> retry(Filter filter) throws SQLException {
        requireNarrowed(filter);
        List<Row> matching;
        try (Connection connection = destination.getConnection()) {
            connection.setAutoCommit(false);
            try {
                matching = matching(connection, filter);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
        List<Retry> results = new ArrayList<>();
        java.util.Set<Long> missing = new java.util.LinkedHashSet<>(filter.ids());
        for (Row listed : matching) { // exactly the rows counted: one that failed since is not among them
            missing.remove(listed.id());
            results.add(retryOne(listed.id()));
        }
        for (long id : missing) {
            results.add(new Retry(id, false, NOT_FOUND));
        }
        return results;
    }

    /**
     * Deletes the rows matching {@code filter} (at most {@value #MAX_ROWS}) in one transaction;
     * returns the discarded rows. With {@link Filter#expected}, deletes exactly the rows counted or
     * nothing: a row retried or discarded meanwhile makes it refuse ({@link #COUNT_CHANGED}).
     */
    public List<Row> discard(Filter filter) throws SQLException {
        requireNarrowed(filter);
        List<Row> discarded = new ArrayList<>();
        try (Connection connection = destination.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM bam_failed_events WHERE id = ?")) {
                List<Row> matching = matching(connection, filter);
                for (Row row : matching) {
                    delete.setLong(1, row.id());
                    if (delete.executeUpdate() == 1) {
                        discarded.add(row);
                    }
                }
                if (filter.expected() != null && discarded.size() != matching.size()) {
                    throw countChanged(filter.expected() - (matching.size() - discarded.size()), filter.expected());
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
        return discarded;
    }

    /**
     * The rows {@code filter} matches (the first {@value #MAX_ROWS}), counted and listed in one
     * snapshot of {@code connection}'s transaction, so that the rows listed are the rows counted;
     * refused ({@link #COUNT_CHANGED}) when the count is not the filter's {@code expected}.
     */
    private static List<Row> matching(Connection connection, Filter filter) throws SQLException {
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        List<Object> args = new ArrayList<>();
        String where = where(filter, args);
        if (filter.expected() != null) {
            long now;
            try (PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM bam_failed_events" + where)) {
                bind(count, args);
                try (ResultSet rows = count.executeQuery()) {
                    rows.next();
                    now = rows.getLong(1);
                }
            }
            if (now != filter.expected()) {
                throw countChanged(now, filter.expected());
            }
        }
        try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM bam_failed_events" + where
                + " ORDER BY id LIMIT " + MAX_ROWS)) {
            bind(select, args);
            List<Row> result = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    result.add(row(rows));
                }
            }
            return result;
        }
    }

    private Retry retryOne(long id) throws SQLException {
        try (Connection connection = destination.getConnection()) {
            // as the applier reads: the latest commit, under the instance locks
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            connection.setAutoCommit(false);
            try {
                Row row = locked(connection, id);
                if (row == null) {
                    connection.rollback();
                    return new Retry(id, false, NOT_FOUND);
                }
                Quarantine.Blocker earlier = earlier(connection, id);
                String reason = earlier != null ? earlier.reason(row.activity())
                        : new Applier(destination, row.sessionId()).applyAlone(connection, EventDecoder.decode(row.event()), id);
                if (reason == null) {
                    try (PreparedStatement delete = connection.prepareStatement("DELETE FROM bam_failed_events WHERE id = ?")) {
                        delete.setLong(1, id);
                        delete.executeUpdate();
                    }
                } else {
                    try (PreparedStatement update = connection.prepareStatement(
                            "UPDATE bam_failed_events SET reason = ?, failed_at = UTC_TIMESTAMP(6) WHERE id = ?")) {
                        update.setString(1, reason.length() <= 2000 ? reason : reason.substring(0, 2000));
                        update.setLong(2, id);
                        update.executeUpdate();
                    }
                }
                connection.commit();
                return new Retry(id, reason == null, reason);
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    private static Row locked(Connection connection, long id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS
                + " FROM bam_failed_events WHERE id = ? FOR UPDATE")) {
            select.setLong(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? row(rows) : null;
            }
        }
    }

    /** The first quarantined event before row {@code id} on the same instance, or null. */
    private static Quarantine.Blocker earlier(Connection connection, long id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT earlier.session_id, earlier.source_seq,"
                + " earlier.target_instance FROM bam_failed_events this JOIN bam_failed_events earlier"
                + " ON earlier.target_activity = this.target_activity AND earlier.target_instance = this.target_instance"
                + " AND earlier.id < this.id WHERE this.id = ? ORDER BY earlier.id LIMIT 1")) {
            select.setLong(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? new Quarantine.Blocker(rows.getString(1), rows.getLong(2), rows.getString(3)) : null;
            }
        }
    }

    private static void requireNarrowed(Filter filter) {
        if (filter == null || filter.empty()) {
            throw new IllegalArgumentException("give ids or a filter (session, activity or reason); acting on every failed"
                    + " event at once is refused");
        }
    }

    private static String where(Filter filter, List<Object> args) {
        List<String> parts = new ArrayList<>();
        if (filter.sessionId() != null) {
            parts.add("session_id = ?");
            args.add(filter.sessionId());
        }
        if (filter.activity() != null) {
            parts.add("activity = ?");
            args.add(filter.activity());
        }
        if (filter.reasonContains() != null) {
            parts.add("INSTR(reason, ?) > 0");
            args.add(filter.reasonContains());
        }
        if (!filter.ids().isEmpty()) {
            parts.add("id IN (" + "?,".repeat(filter.ids().size() - 1) + "?)");
            args.addAll(filter.ids());
        }
        return parts.isEmpty() ? "" : " WHERE " + String.join(" AND ", parts);
    }

    private static void bind(PreparedStatement statement, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            statement.setObject(i + 1, args.get(i));
        }
    }

    private static Row row(ResultSet rows) throws SQLException {
        return new Row(rows.getLong(1), rows.getString(2), rows.getLong(3), rows.getLong(4), rows.getString(5),
                rows.getString(6), rows.getString(7), rows.getBytes(8), SqlTimes.read(rows, 9), rows.getString(10),
                SqlTimes.read(rows, 11));
    }
}
