package io.bambus.grid.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The independent checker of the soak and the partition test: counts every event a producer
 * committed against what the destination applied and quarantined, and compares every order's
 * Step and completion with what its committed events lead to. Not the bus's own counters alone:
 * the checkpoint's events_applied is compared with the producer's own count.
 */
public final class ChaosCheck {

    private static final String UNMOVED = "SELECT COUNT(*) FROM bam_outbox WHERE COALESCE(moved_batch, 0) = 0";

    /**
     * Figures for one source; all but the first three must be 0. {@code appliedTwice}: events
     * applied beyond those written, plus those refused as "already completed" (a repeat on a
     * completed order); {@code lost}: written but not applied; {@code wrongState}: orders whose
     * Step or completion differ from what their committed events lead to (a repeated older Update
     * puts the Step back); {@code missing}: orders with committed events absent from the
     * destination; {@code phantom}: orders whose only transaction rolled back yet present.
     */
    public record Result(String source, long orders, long written, long applied, long appliedTwice, long lost, long failed,
                         long missing, long wrongState, long phantom) {
        public boolean clean() {
            return appliedTwice == 0 && lost == 0 && failed == 0 && missing == 0 && wrongState == 0 && phantom == 0;
        }

        @Override
        public String toString() {
            return String.format("%-10s written %7d events (%6d orders): applied %7d, applied twice %d, lost %d, failed events %d;"
                            + " orders missing %d, wrong step or completion %d, rolled back but present %d",
                    source, written, orders, applied, appliedTwice, lost, failed, missing, wrongState, phantom);
        }
    }

    private ChaosCheck() {
    }

    /**
     * Waits (up to {@code timeout}) until every event of the stopped producer's source is marked moved
     * and the destination accounts for as many events as were written; false when time ran out (the
     * figures then say what is missing).
     */
    public static boolean awaitCaughtUp(BusEnvironment env, Producer producer, Duration timeout) {
        String session = producer.sourceId();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long failed = env.count(env.destination, "SELECT COUNT(*) FROM bam_failed_events WHERE session_id = '" + session + "'");
            if (env.count(env.sources.get(session), UNMOVED) == 0 && env.applied(session) + failed >= producer.eventsWritten()) {
                return true;
            }
            try {
                Thread.sleep(100); // polling
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /**
     * {@link #check} of every producer's source, each result printed after {@code prefix}; in the producers' order.
     * Then {@link #checkAggregation}: it throws when the aggregation is off.
     */
    public static java.util.List<Result> checkAll(BusEnvironment env, java.util.List<Producer> producers, String prefix)
            throws SQLException {
        java.util.List<Result> results = new java.util.ArrayList<>();
        for (Producer producer : producers) {
            Result result = check(env, producer);
            System.out.println(prefix + " " + result);
            results.add(result);
        }
        System.out.println(prefix + " " + checkAggregation(env));
        return results;
    }

    /** The test activity's aggregation ({@link BusEnvironment#DEFINITIONS}) computed independently, with GROUP BY. */
    private static final String EXPECTED_AGGREGATION = """
            SELECT CONCAT_WS('|', DATE_FORMAT(DATE_ADD('1970-01-01', INTERVAL TIMESTAMPDIFF(MINUTE, '1970-01-01', Placed) DIV 5 * 5
                   MINUTE), '%Y-%m-%d %H:%i'), HOUR(Placed), MINUTE(Placed),
                   COALESCE(CASE WHEN Step IS NULL THEN NULL WHEN Step < 2 THEN 'early' ELSE 'late' END, '-'),
                   COALESCE(Step, '-'), COALESCE(Customer, '-'), COUNT(*), COUNT(*), COALESCE(SUM(Step), 0),
                   COALESCE(SUM(Step), 0), COUNT(Step))
            FROM (SELECT Placed, Step, Customer FROM bam_Order_active UNION ALL SELECT Placed, Step, Customer
                  FROM bam_Order_completed UNION ALL SELECT Placed, Step, Customer FROM bam_Order_archive) t
            WHERE Placed IS NOT NULL
            GROUP BY DATE_ADD('1970-01-01', INTERVAL TIMESTAMPDIFF(MINUTE, '1970-01-01', Placed) DIV 5 * 5 MINUTE),
                     HOUR(Placed), MINUTE(Placed), Step, Customer COLLATE utf8mb4_bin""";

    private static final String KEPT_AGGREGATION = """
            SELECT CONCAT_WS('|', DATE_FORMAT(Slice, '%Y-%m-%d %H:%i'), `Hour`, `Minute`, COALESCE(Phase, '-'),
                   COALESCE(Stage, '-'), COALESCE(Buyer, '-'), Instances, Orders, CAST(StepSum AS SIGNED),
                   CAST(StepAvg AS SIGNED), StepAvg_Count)
            FROM bam_Desk_Steps_rta""";

    /**
     * Every row of the aggregation the members kept (in the transactions of the batches, through
     * kills, cuts and replays) against the same aggregate computed now from the activity's rows;
     * throws AssertionError naming the first differences.
     */
    public static String checkAggregation(BusEnvironment env) throws SQLException {
        return checkAggregation(env.destination);
    }

    /** {@link #checkAggregation(BusEnvironment)} in the destination {@code destination} (a promoted replica, say). */
    public static String checkAggregation(javax.sql.DataSource destination) throws SQLException {
        java.util.List<String> expected = lines(destination, EXPECTED_AGGREGATION);
        java.util.List<String> kept = lines(destination, KEPT_AGGREGATION);
        if (!expected.equals(kept)) {
            java.util.List<String> missing = new java.util.ArrayList<>(expected);
            missing.removeAll(kept);
            java.util.List<String> extra = new java.util.ArrayList<>(kept);
            extra.removeAll(expected);
            throw new AssertionError("the aggregation bam_Desk_Steps_rta differs from GROUP BY over the tables: "
                    + missing.size() + " rows missing or different (first " + missing.stream().limit(3).toList() + "), "
                    + extra.size() + " rows extra or different (first " + extra.stream().limit(3).toList() + ")");
        }
        return "aggregation bam_Desk_Steps_rta: " + kept.size() + " rows, every one equal to GROUP BY over the activity tables";
    }

    private static java.util.List<String> lines(javax.sql.DataSource destination, String sql) throws SQLException {
        java.util.List<String> lines = new java.util.ArrayList<>();
        try (Connection connection = destination.getConnection();
             java.sql.Statement statement = connection.createStatement();
             java.sql.ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                lines.add(rows.getString(1));
            }
        }
        java.util.Collections.sort(lines);
        return lines;
    }

    public static Result check(BusEnvironment env, Producer producer) throws SQLException {
        String session = producer.sourceId();
        Map<String, Long> completed = new HashMap<>();
        Map<String, Long> active = new HashMap<>();
        try (Connection connection = env.destination.getConnection()) {
            read(connection, "SELECT ActivityID, Step FROM bam_Order_completed WHERE ActivityID LIKE ?", session, completed);
            read(connection, "SELECT ActivityID, Step FROM bam_Order_active WHERE ActivityID LIKE ?", session, active);
        }
        long missing = 0;
        long wrongState = 0;
        for (Map.Entry<String, Producer.Expected> order : producer.expected().entrySet()) {
            Producer.Expected expected = order.getValue();
            Long completedStep = completed.get(order.getKey());
            Long activeStep = active.get(order.getKey());
            if (completedStep == null && activeStep == null) {
                missing++;
            } else if (expected.completed() ? completedStep == null || completedStep != expected.step() || activeStep != null
                    : activeStep == null || activeStep != expected.step() || completedStep != null) {
                wrongState++;
            }
        }
        long phantom = producer.rolledBack().stream().filter(o -> completed.containsKey(o) || active.containsKey(o)).count();
        long written = producer.eventsWritten();
        long applied = env.applied(session);
        long failed = env.query(env.destination, "SELECT COUNT(*) FROM bam_failed_events WHERE session_id = '" + session + "'");
        long alreadyCompleted = env.query(env.destination, "SELECT COUNT(*) FROM bam_failed_events WHERE session_id = '" + session
                + "' AND reason LIKE '%already completed%'");
        long appliedTwice = Math.max(0, applied - written) + alreadyCompleted;
        long lost = Math.max(0, written - applied);
        return new Result(session, producer.expected().size(), written, applied, appliedTwice, lost, failed, missing, wrongState,
                phantom);
    }

    private static void read(Connection connection, String sql, String session, Map<String, Long> into) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, session + "-%");
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    into.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
    }
}
