package io.bambus.core.alert;

import io.bambus.core.sql.SqlTimes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Read-only queries on {@code bam_alerts}, the record of stalled-activity alerts the members keep:
 * for the UI's Alerts page, overview and {@code bambus_alerts_open} metric, and {@code bambus alerts}.
 * A destination whose bus has not created the table yet has no alerts.
 */
public final class OpenAlerts {

    public static final int MAX_PAGE = 200;
    /** MySQL's "table doesn't exist". */
    private static final int NO_SUCH_TABLE = 1146;

    private final DataSource destination;

    public OpenAlerts(DataSource destination) {
        this.destination = destination;
    }

    /**
     * One open alert. {@code delivery}: sent, retrying, gave up, pending (due for its first attempt),
     * or none (raised while no webhook was configured). Times are epoch milliseconds (UTC), or null.
     */
    public record Alert(String rule, String activity, String instanceId, String condition, Long sinceMillis, Long dueMillis,
                        Long detectedMillis, String delivery, int attempts, Long sentMillis, Long nextAttemptMillis,
                        String lastError) {
    }

    /** Open alerts of one rule (and its activity). */
    public record OpenCount(String rule, String activity, long open) {
    }

    /** A page of open alerts, newest first, with every rule's open count (for the filter). */
    public record AlertPage(long total, long offset, List<Alert> rows, List<OpenCount> rules) {
    }

    public AlertPage open(String rule, long offset, int limit) throws SQLException {
        String where = " WHERE resolved_at IS NULL" + (rule == null ? "" : " AND rule = ?");
        try (Connection connection = destination.getConnection()) {
            List<OpenCount> rules = openCounts(connection);
            long total;
            try (PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM bam_alerts" + where)) {
                if (rule != null) {
                    count.setString(1, rule);
                }
                try (ResultSet rows = count.executeQuery()) {
                    rows.next();
                    total = rows.getLong(1);
                }
            }
            List<Alert> alerts = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT rule, activity, activity_id, rule_text, since_at,"
                    + " due_at, detected_at, next_attempt_at, attempts, sent_at, gave_up_at, last_error FROM bam_alerts" + where
                    + " ORDER BY detected_at DESC, rule, activity_id LIMIT ? OFFSET ?")) {
                int index = 1;
                if (rule != null) {
                    select.setString(index++, rule);
                }
                select.setInt(index++, Math.max(1, Math.min(limit, MAX_PAGE)));
                select.setLong(index, Math.max(0, offset));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        alerts.add(alert(rows));
                    }
                }
            }
            return new AlertPage(total, Math.max(0, offset), alerts, rules);
        } catch (SQLException e) {
            if (e.getErrorCode() == NO_SUCH_TABLE) {
                return new AlertPage(0, 0, List.of(), List.of());
            }
            throw e;
        }
    }

    /** Open alerts per rule and activity. */
    public List<OpenCount> openCounts() throws SQLException {
        try (Connection connection = destination.getConnection()) {
            return openCounts(connection);
        } catch (SQLException e) {
            if (e.getErrorCode() == NO_SUCH_TABLE) {
                return List.of();
            }
            throw e;
        }
    }

    private static List<OpenCount> openCounts(Connection connection) throws SQLException {
        List<OpenCount> result = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT rule, activity, COUNT(*) FROM bam_alerts"
                + " WHERE resolved_at IS NULL GROUP BY rule, activity ORDER BY rule, activity");
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                result.add(new OpenCount(rows.getString(1), rows.getString(2), rows.getLong(3)));
            }
        }
        return result;
    }

    private static Alert alert(ResultSet rows) throws SQLException {
        Long next = millis(SqlTimes.read(rows, 8));
        int attempts = rows.getInt(9);
        Long sent = millis(SqlTimes.read(rows, 10));
        Long gaveUp = millis(SqlTimes.read(rows, 11));
        String delivery = sent != null ? "sent" : gaveUp != null ? "gave up" : next == null ? "none"
                : attempts > 0 ? "retrying" : "pending";
        return new Alert(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
                millis(SqlTimes.read(rows, 5)), millis(SqlTimes.read(rows, 6)), millis(SqlTimes.read(rows, 7)), delivery,
                attempts, sent, next, rows.getString(12));
    }

    private static Long millis(LocalDateTime utc) {
        return utc == null ? null : utc.toInstant(ZoneOffset.UTC).toEpochMilli();
    }
}
