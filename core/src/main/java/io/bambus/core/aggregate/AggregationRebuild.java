package io.bambus.core.aggregate;

import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.activity.ItemDefinition;
import io.bambus.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Recomputes an aggregation from the activity's rows (active, completed and archived), by the
 * same rules as incremental maintenance, while the bus runs: one REPEATABLE READ transaction
 * first locks every session's checkpoint row and every failed event (the gaps too, so no new
 * session or retry slips in), which holds every writer of the activity back until it commits;
 * then it empties the table and fills it from one consistent read of the instances in the window.
 * It records the definition it was built for (bam_aggregation_builds), so a deployment whose
 * rebuild failed does it again. A batch that committed before
 * is in the read; one that waits applies its changes on top afterwards. Writers pause for as
 * long as the rebuild takes.
 */
public final class AggregationRebuild {

    private static final Logger LOG = LogManager.getLogger(AggregationRebuild.class);

    private AggregationRebuild() {
    }

    /** Rebuilds {@code aggregation}; returns the number of instances it counted. */
    public static long rebuild(DataSource destination, AggregationTable aggregation, ActivityDefinition activity)
            throws SQLException {
        try (Connection connection = destination.getConnection()) {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement statement = connection.createStatement()) {
                // next-key locks over the whole of both tables: appliers, claims, new sessions and retries wait
                statement.executeQuery("SELECT session_id FROM bam_checkpoints FOR UPDATE").close();
                statement.executeQuery("SELECT id FROM bam_failed_events FOR UPDATE").close();
                statement.executeUpdate("DELETE FROM " + aggregation.table());
                AggregationTable.Deltas deltas = aggregation.deltas();
                long instances = 0;
                List<ItemDefinition> items = activity.items();
                StringBuilder columns = new StringBuilder();
                for (ItemDefinition item : items) {
                    columns.append(columns.length() == 0 ? "" : ", ").append(item.column());
                }
                // the window's instances only (and a slice's margin): older rows are hidden, then purged, anyway
                String within = " WHERE " + aggregation.timeExpression() + " >= UTC_TIMESTAMP(6) - INTERVAL "
                        + (aggregation.definition().window().toMinutes() + aggregation.definition().slice().toMinutes()) + " MINUTE";
                for (String table : tables(connection, activity)) {
                    try (ResultSet rows = statement.executeQuery("SELECT " + columns + " FROM " + Identifiers.quote(table)
                            + within)) {
                        while (rows.next()) {
                            Object[] values = new Object[items.size()];
                            for (int i = 0; i < items.size(); i++) {
                                values[i] = items.get(i).type().read(rows, i + 1);
                            }
                            deltas.move(null, values);
                            instances++;
                        }
                    }
                }
                deltas.apply(connection);
                try (var built = connection.prepareStatement("INSERT INTO bam_aggregation_builds (aggregation, definition,"
                        + " built_at) VALUES (?, ?, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE definition = VALUES(definition),"
                        + " built_at = VALUES(built_at)")) {
                    built.setString(1, aggregation.tableName());
                    built.setString(2, aggregation.fingerprint());
                    built.executeUpdate();
                }
                connection.commit();
                LOG.info("Rebuilt aggregation {} from {} instances of activity {}", aggregation.table(), instances, activity.name());
                return instances;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /** The activity's tables that exist (the archive may predate archiving). */
    private static List<String> tables(Connection connection, ActivityDefinition activity) throws SQLException {
        List<String> tables = new ArrayList<>();
        for (String table : List.of(activity.activeTableName(), activity.completedTableName(), activity.archiveTableName())) {
            try (var statement = connection.prepareStatement("SELECT 1 FROM information_schema.tables WHERE table_schema ="
                    + " DATABASE() AND table_name = ?")) {
                statement.setString(1, table);
                try (ResultSet rows = statement.executeQuery()) {
                    if (rows.next()) {
                        tables.add(table);
                    }
                }
            }
        }
        return tables;
    }
}
