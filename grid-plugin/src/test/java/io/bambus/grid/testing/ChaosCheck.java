package io.bambus.grid.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The soak's independent checker: compares what each producer committed (and rolled back) with
 * what the destination holds, order by order. Not the bus's own counters alone.
 */
public final class ChaosCheck {

    /** Figures for one source; every one must be 0. */
    public record Result(String source, long committedOrders, long lost, long duplicated, long outOfOrder, long phantom) {
        public boolean clean() {
            return lost == 0 && duplicated == 0 && outOfOrder == 0 && phantom == 0;
        }

        @Override
        public String toString() {
            return String.format("%-10s committed orders %6d (%7d events): lost %d, duplicated %d, out of order %d, rolled back but present %d",
                    source, committedOrders, committedOrders * Producer.EVENTS_PER_ORDER, lost, duplicated, outOfOrder, phantom);
        }
    }

    private ChaosCheck() {
    }

    public static Result check(BusEnvironment env, Producer producer) throws SQLException {
        String session = producer.sourceId();
        Map<String, Long> completedStep = new HashMap<>();
        Map<String, Long> active = new HashMap<>();
        try (Connection connection = env.destination.getConnection()) {
            read(connection, "SELECT ActivityID, Step FROM bam_Order_completed WHERE ActivityID LIKE ?", session, completedStep);
            read(connection, "SELECT ActivityID, Step FROM bam_Order_active WHERE ActivityID LIKE ?", session, active);
        }
        long lost = 0;
        long outOfOrder = 0;
        for (String order : producer.committed()) {
            Long step = completedStep.get(order);
            if (step == null && !active.containsKey(order)) {
                lost++;
            } else if (step == null || step != 2) {
                outOfOrder++; // some of its events missing or applied out of order
            }
        }
        long phantom = producer.rolledBack().stream().filter(o -> completedStep.containsKey(o) || active.containsKey(o)).count();
        long expectedEvents = producer.committed().size() * (long) Producer.EVENTS_PER_ORDER;
        long applied = env.applied(session);
        long alreadyCompleted = env.query(env.destination, "SELECT COUNT(*) FROM bam_failed_events WHERE session_id = '" + session
                + "' AND reason LIKE '%already completed%'");
        long otherFailures = env.query(env.destination, "SELECT COUNT(*) FROM bam_failed_events WHERE session_id = '" + session
                + "' AND reason NOT LIKE '%already completed%'");
        long duplicated = Math.max(0, applied - expectedEvents) + alreadyCompleted;
        return new Result(session, producer.committed().size(), lost, duplicated, outOfOrder + otherFailures, phantom);
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
