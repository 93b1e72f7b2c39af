package io.bambus.core.alert;

import io.bambus.core.config.AlertRule;
import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.activity.ItemDefinition;
import io.bambus.core.schema.DestinationSchema;
import io.bambus.core.sql.Identifiers;
import io.bambus.core.sql.SqlTimes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Evaluates alert rules against the destination: records each newly stalled instance once in
 * {@code bam_alerts} (its key, rule and ActivityID, makes a second record impossible, whichever
 * member evaluates), marks alerts whose instance reached the expected point as resolved, and
 * deletes resolved alerts past {@code keepResolved}. Reads the activity tables without locks
 * (plain reads) and writes only {@code bam_alerts}, so the sessions' commits never wait on it.
 *
 * <p>Each rule's query runs on an index of the active table: a begun rule waiting for End on
 * {@code ix_began}; any other on an index over (expected milestone, start), which the detector
 * adds at first use (online, waiting at most {@value #LOCK_WAIT_SECONDS} s for the table's
 * metadata lock).
 */
public final class StallDetector {

    private static final Logger LOG = LogManager.getLogger(StallDetector.class);
    private static final int BATCH = 1_000;
    private static final int LOCK_WAIT_SECONDS = 10;
    private static final String BEGAN = "COALESCE(t.`BeganAt`, t.`LastModified`)";

    private final DataSource destination;
    private boolean schemaReady;
    /** Indexes found or added ("table (columns)"), and those that could not be added (tried once). */
    private final Set<String> indexes = new HashSet<>();
    /** The last warning per rule, so that one that stays broken is logged once, not every evaluation. */
    private final Map<String, String> warnings = new HashMap<>();

    public StallDetector(DataSource destination) {
        this.destination = destination;
    }

    /**
     * What one evaluation did: alerts raised and resolved per rule, open alerts of rules no longer
     * configured resolved, resolved alerts deleted.
     */
    public record Evaluation(Map<String, Integer> raised, Map<String, Integer> resolved, int retired, int purged) {
    }

    /** A rule bound to the deployed tables: {@code start} null for begun, {@code expected} null for End. */
    private record Target(AlertRule rule, ActivityDefinition activity, ItemDefinition start, ItemDefinition expected) {
    }

    /**
     * One evaluation of {@code rules}. New alerts want a webhook delivery when {@code deliver}
     * (their {@code next_attempt_at} is set); alerts of rules no longer configured are resolved.
     */
    public Evaluation evaluate(List<AlertRule> rules, Duration keepResolved, boolean deliver, BooleanSupplier keepGoing)
            throws SQLException {
        return evaluate(rules, keepResolved, deliver, Set.of(), keepGoing);
    }

    /**
     * One evaluation of {@code rules}, where {@code configuredElsewhere} names rules another member's
     * bus file still has: their open alerts are not resolved as removed (members whose files differ
     * for a while must not retire each other's rules; a rule is retired once no member has it).
     * Null: what the other members have is not known now, so no rule is retired this time.
     */
    public Evaluation evaluate(List<AlertRule> rules, Duration keepResolved, boolean deliver, Set<String> configuredElsewhere,
                               BooleanSupplier keepGoing) throws SQLException {
        Map<String, Integer> raised = new LinkedHashMap<>();
        Map<String, Integer> resolved = new LinkedHashMap<>();
        int retired;
        int purged = 0;
        try (Connection connection = destination.getConnection()) {
            connection.setAutoCommit(true);
            if (!schemaReady) {
                DestinationSchema.create(connection);
                schemaReady = true;
            }
            Map<String, ActivityDefinition> deployed = ActivityDeployer.deployed(connection);
            for (AlertRule rule : rules) {
                if (!keepGoing.getAsBoolean()) {
                    break;
                }
                Target target = target(rule, deployed);
                if (target == null) {
                    continue;
                }
                index(connection, target);
                raised.put(rule.name(), raise(connection, target, deliver, keepGoing));
                resolved.put(rule.name(), resolve(connection, target));
            }
            if (configuredElsewhere == null) {
                retired = 0;
            } else {
                Set<String> kept = new java.util.TreeSet<>(configuredElsewhere);
                rules.forEach(rule -> kept.add(rule.name()));
                retired = resolveRemoved(connection, List.copyOf(kept));
            }
            if (!keepResolved.isZero()) {
                purged = purge(connection, keepResolved);
            }
        }
        return new Evaluation(raised, resolved, retired, purged);
    }

    private Target target(AlertRule rule, Map<String, ActivityDefinition> deployed) {
        ActivityDefinition activity = deployed.get(rule.activity().toLowerCase(Locale.ROOT));
        ItemDefinition start = activity == null || rule.fromBegin() ? null : activity.item(rule.milestone());
        ItemDefinition expected = activity == null || rule.untilEnd() ? null : activity.item(rule.without());
        String problem = activity == null ? "activity " + rule.activity() + " is not deployed in the destination"
                : !rule.fromBegin() && !AlertRules.usable(start) ? "milestone " + rule.milestone() + " of " + activity.name()
                        + " is not deployed in the destination"
                : !rule.untilEnd() && !AlertRules.usable(expected) ? "milestone " + rule.without() + " of " + activity.name()
                        + " is not deployed in the destination"
                : null;
        if (problem == null) {
            warnings.remove(rule.name());
            return new Target(rule, activity, start, expected);
        }
        if (!problem.equals(warnings.put(rule.name(), problem))) {
            LOG.warn("Alert rule {} is not evaluated: {}; deploy the definitions (members deploy at start, or bambus deploy)",
                    rule.name(), problem);
        }
        return null;
    }

    // ---- raise

    private int raise(Connection connection, Target target, boolean deliver, BooleanSupplier keepGoing) throws SQLException {
        AlertRule rule = target.rule();
        String since = target.start() == null ? BEGAN : "t." + target.start().column();
        StringBuilder where = new StringBuilder(" WHERE ");
        if (target.expected() != null) {
            where.append("t.").append(target.expected().column()).append(" IS NULL AND ");
        }
        // begun: NULLs sort first, so "BeganAt IS NULL OR BeganAt <= ?" is one range of ix_began (rows from before BeganAt)
        where.append(target.start() == null ? "(t.`BeganAt` IS NULL OR t.`BeganAt` <= ?) AND " + BEGAN + " <= ?"
                : since + " <= ?");
        String select = "SELECT t.`ActivityID`, " + since + " FROM " + target.activity().activeTable() + " t"
                + where + " AND NOT EXISTS (SELECT 1 FROM bam_alerts a WHERE a.rule = ? AND a.activity_id = t.`ActivityID`)"
                + " LIMIT " + BATCH;
        int total = 0;
        List<String> examples = new ArrayList<>();
        int found;
        do {
            LocalDateTime now = now(connection);
            LocalDateTime cutoff = now.minus(rule.within());
            List<String> ids = new ArrayList<>();
            List<LocalDateTime> sinces = new ArrayList<>();
            try (PreparedStatement statement = connection.prepareStatement(select)) {
                int index = 1;
                SqlTimes.bind(statement, index++, cutoff);
                if (target.start() == null) {
                    SqlTimes.bind(statement, index++, cutoff);
                }
                statement.setString(index, rule.name());
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getString(1));
                        sinces.add(SqlTimes.read(rows, 2));
                    }
                }
            }
            found = ids.size();
            int inserted = found == 0 ? 0 : insert(connection, target, ids, sinces, now, deliver);
            total += inserted;
            for (int i = 0; i < ids.size() && examples.size() < 5; i++) {
                examples.add(Identifiers.escaped(ids.get(i), 60));
            }
            if (inserted == 0) {
                break; // another member recorded them all: it evaluates too, for the moment
            }
        } while (found == BATCH && keepGoing.getAsBoolean());
        if (total > 0) {
            LOG.info("Alert rule {} ({} {}) raised {} alert(s), e.g. {}", rule.name(), target.activity().name(), rule.condition(),
                    total, String.join(", ", examples));
        }
        return total;
    }

    private static int insert(Connection connection, Target target, List<String> ids, List<LocalDateTime> sinces,
                              LocalDateTime now, boolean deliver) throws SQLException {
        AlertRule rule = target.rule();
        // IGNORE: an instance another member recorded in the meantime keeps its row
        String sql = "INSERT IGNORE INTO bam_alerts (rule, activity_id, activity, rule_text, since_at, due_at, detected_at,"
                + " next_attempt_at) VALUES " + "(?, ?, ?, ?, ?, ?, ?, ?), ".repeat(ids.size() - 1) + "(?, ?, ?, ?, ?, ?, ?, ?)";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int index = 1;
            for (int i = 0; i < ids.size(); i++) {
                statement.setString(index++, rule.name());
                statement.setString(index++, ids.get(i));
                statement.setString(index++, target.activity().name());
                statement.setString(index++, Identifiers.shorten(rule.condition(), 190));
                SqlTimes.bind(statement, index++, sinces.get(i));
                SqlTimes.bind(statement, index++, sinces.get(i).plus(rule.within()));
                SqlTimes.bind(statement, index++, now);
                SqlTimes.bind(statement, index++, deliver ? now : null);
            }
            return statement.executeUpdate();
        }
    }

    // ---- resolve

    private static int resolve(Connection connection, Target target) throws SQLException {
        String expected = target.expected() == null ? "" : " OR t." + target.expected().column() + " IS NOT NULL";
        String select = "SELECT a.activity_id, t.`ActivityID` IS NULL FROM bam_alerts a LEFT JOIN "
                + target.activity().activeTable() + " t ON t.`ActivityID` = a.activity_id WHERE a.rule = ?"
                + " AND a.resolved_at IS NULL AND (t.`ActivityID` IS NULL" + expected + ") LIMIT " + BATCH;
        int total = 0;
        int found;
        do {
            List<String> completed = new ArrayList<>();
            List<String> reached = new ArrayList<>();
            try (PreparedStatement statement = connection.prepareStatement(select)) {
                statement.setString(1, target.rule().name());
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        (rows.getBoolean(2) ? completed : reached).add(rows.getString(1));
                    }
                }
            }
            found = completed.size() + reached.size();
            total += markResolved(connection, target.rule().name(), completed, "completed");
            if (target.expected() != null) {
                total += markResolved(connection, target.rule().name(), reached, target.expected().name() + " reached");
            }
        } while (found == BATCH);
        if (total > 0) {
            LOG.info("Alert rule {} resolved {} alert(s): their instances completed or reached the expected milestone",
                    target.rule().name(), total);
        }
        return total;
    }

    private static int markResolved(Connection connection, String rule, List<String> ids, String resolution) throws SQLException {
        if (ids.isEmpty()) {
            return 0;
        }
        try (PreparedStatement update = connection.prepareStatement("UPDATE bam_alerts SET resolved_at = UTC_TIMESTAMP(6),"
                + " resolution = ?, next_attempt_at = NULL WHERE rule = ? AND resolved_at IS NULL AND activity_id IN ("
                + "?, ".repeat(ids.size() - 1) + "?)")) {
            update.setString(1, resolution);
            update.setString(2, rule);
            for (int i = 0; i < ids.size(); i++) {
                update.setString(3 + i, ids.get(i));
            }
            return update.executeUpdate();
        }
    }

    private static int resolveRemoved(Connection connection, List<String> kept) throws SQLException {
        String notIn = kept.isEmpty() ? "" : " AND rule NOT IN (" + "?, ".repeat(kept.size() - 1) + "?)";
        try (PreparedStatement update = connection.prepareStatement("UPDATE bam_alerts SET resolved_at = UTC_TIMESTAMP(6),"
                + " resolution = 'rule removed', next_attempt_at = NULL WHERE resolved_at IS NULL" + notIn)) {
            for (int i = 0; i < kept.size(); i++) {
                update.setString(1 + i, kept.get(i));
            }
            int resolved = update.executeUpdate();
            if (resolved > 0) {
                LOG.info("Resolved {} open alert(s) of rules no longer in the configuration", resolved);
            }
            return resolved;
        }
    }

    private static int purge(Connection connection, Duration keep) throws SQLException {
        int total = 0;
        int deleted;
        do {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM bam_alerts WHERE resolved_at IS NOT NULL"
                    + " AND resolved_at < UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND LIMIT " + BATCH)) {
                delete.setLong(1, keep.toNanos() / 1_000);
                deleted = delete.executeUpdate();
            }
            total += deleted;
        } while (deleted == BATCH);
        return total;
    }

    // ---- indexes

    /** Makes sure the rule's query has an index: (expected, start) for a milestone, (start) or (expected, BeganAt). */
    private void index(Connection connection, Target target) throws SQLException {
        List<String> columns = new ArrayList<>();
        if (target.expected() != null) {
            columns.add(target.expected().name());
        }
        columns.add(target.start() == null ? "BeganAt" : target.start().name());
        String table = target.activity().activeTableName();
        String key = table + " " + columns;
        if (!indexes.add(key) || covered(connection, table, columns)) {
            return;
        }
        String name = indexName(columns);
        String sql = "ALTER TABLE " + Identifiers.quote(table) + " ADD KEY " + Identifiers.quote(name) + " ("
                + String.join(", ", columns.stream().map(Identifiers::quote).toList()) + "), ALGORITHM=INPLACE, LOCK=NONE";
        long started = System.nanoTime();
        try (Statement statement = connection.createStatement()) {
            // a long wait for the table's metadata lock would hold the sessions' writes up behind it
            statement.execute("SET @bambus_lock_wait = @@SESSION.lock_wait_timeout");
            statement.execute("SET SESSION lock_wait_timeout = " + LOCK_WAIT_SECONDS);
            try {
                statement.execute(sql);
                LOG.info("Added index {} on {} {} for alert rule {} in {} ms", name, table, columns, target.rule().name(),
                        (System.nanoTime() - started) / 1_000_000);
            } catch (SQLException e) {
                LOG.warn("Alert rule {} runs without an index: {} failed ({}); the rule scans {} at each evaluation until a DBA"
                        + " runs it", target.rule().name(), sql, e.getMessage(), table);
            } finally {
                statement.execute("SET SESSION lock_wait_timeout = @bambus_lock_wait");
            }
        }
    }

    /** Whether an index of {@code table} starts with {@code columns}, in order. */
    private static boolean covered(Connection connection, String table, List<String> columns) throws SQLException {
        Map<String, List<String>> byIndex = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT index_name, column_name FROM information_schema.statistics"
                + " WHERE table_schema = DATABASE() AND table_name = ? ORDER BY index_name, seq_in_index")) {
            select.setString(1, table);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    byIndex.computeIfAbsent(rows.getString(1), k -> new ArrayList<>()).add(rows.getString(2).toLowerCase(Locale.ROOT));
                }
            }
        }
        List<String> wanted = columns.stream().map(c -> c.toLowerCase(Locale.ROOT)).toList();
        return byIndex.values().stream().anyMatch(index -> index.size() >= wanted.size()
                && index.subList(0, wanted.size()).equals(wanted));
    }

    /** {@code ix_alert_Paid_Placed}, or a checksum of the names where that would pass MySQL's 64 characters. */
    static String indexName(List<String> columns) {
        String name = "ix_alert_" + String.join("_", columns);
        if (name.length() <= 64) {
            return name;
        }
        CRC32 crc = new CRC32();
        crc.update(String.join("/", columns).toLowerCase(Locale.ROOT).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return "ix_alert_" + Long.toHexString(crc.getValue());
    }

    private static LocalDateTime now(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT UTC_TIMESTAMP(6)")) {
            row.next();
            return SqlTimes.read(row, 1);
        }
    }
}
