package io.bambus.core.archive;

import io.bambus.core.aggregate.AggregationTable;
import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.activity.ItemDefinition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Moves completed instances whose last change is older than the online window from
 * {@code bam_X_completed} to {@code bam_X_archive}, in small batches, each its own short
 * transaction (copy, then delete, by primary key), so the bus's commits are never held up for
 * long. The all-instances view keeps covering the online window (active and completed).
 */
public final class Archiver {

    private static final Logger LOG = LogManager.getLogger(Archiver.class);

    private final DataSource destination;

    public Archiver(DataSource destination) {
        this.destination = destination;
    }

    /**
     * Archives every activity's completed instances older than {@code window}, {@code batchSize}
     * at a time, while {@code keepGoing} says so; returns the rows moved per activity.
     */
    public Map<String, Long> archive(Duration window, int batchSize, BooleanSupplier keepGoing) throws SQLException {
        Map<String, ActivityDefinition> activities;
        try (Connection connection = destination.getConnection()) {
            activities = ActivityDeployer.deployed(connection);
        }
        Map<String, Long> moved = new LinkedHashMap<>();
        for (ActivityDefinition activity : activities.values()) {
            long total = 0;
            int rows;
            do {
                rows = batch(activity, window, batchSize);
                total += rows;
            } while (rows == batchSize && keepGoing.getAsBoolean());
            moved.put(activity.name(), total);
            if (total > 0) {
                LOG.info("Archived {} completed {} instance(s) older than {} into {}", total, activity.name(), window,
                        activity.archiveTable());
            }
        }
        purge(activities.values(), batchSize, keepGoing);
        return moved;
    }

    /** Purges every real-time aggregation's slices older than its window (also when archiving is off). */
    public void purgeAggregations(int batchSize, BooleanSupplier keepGoing) throws SQLException {
        Map<String, ActivityDefinition> activities;
        try (Connection connection = destination.getConnection()) {
            activities = ActivityDeployer.deployed(connection);
        }
        purge(activities.values(), batchSize, keepGoing);
    }

    private void purge(java.util.Collection<ActivityDefinition> activities, int batchSize, BooleanSupplier keepGoing)
            throws SQLException {
        for (ActivityDefinition activity : activities) {
            for (AggregationTable aggregation : AggregationTable.of(activity)) {
                purge(aggregation, batchSize, keepGoing);
            }
        }
    }

    /**
     * Deletes an aggregation's slices older than its window (its query view already hides them),
     * {@code batchSize} rows a transaction. An instance of a purged slice that changes later leaves a
     * row there again, as hidden, until the next purge.
     */
    private void purge(AggregationTable aggregation, int batchSize, BooleanSupplier keepGoing) throws SQLException {
        long total = 0;
        int rows;
        do {
            try (Connection connection = destination.getConnection();
                 PreparedStatement delete = connection.prepareStatement("DELETE FROM " + aggregation.table()
                         + " WHERE `Slice` < UTC_TIMESTAMP() - INTERVAL ? MINUTE ORDER BY `Slice` LIMIT ?")) {
                delete.setLong(1, aggregation.definition().window().toMinutes());
                delete.setInt(2, batchSize);
                rows = delete.executeUpdate();
            }
            total += rows;
        } while (rows == batchSize && keepGoing.getAsBoolean());
        if (total > 0) {
            LOG.info("Purged {} row(s) of {} older than its window of {}", total, aggregation.table(),
                    aggregation.definition().window());
        }
    }

    private int batch(ActivityDefinition activity, Duration window, int batchSize) throws SQLException {
        try (Connection connection = destination.getConnection()) {
            // candidates without locks (completed rows never change); the move locks only these keys
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT `RecordID` FROM " + activity.completedTable()
                    + " WHERE `LastModified` < UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND ORDER BY `LastModified` LIMIT ?")) {
                select.setLong(1, window.toNanos() / 1_000);
                select.setInt(2, batchSize);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getLong(1));
                    }
                }
            }
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
            if (ids.isEmpty()) {
                return 0;
            }
            StringBuilder columns = new StringBuilder("`RecordID`, `ActivityID`, `IsVisible`, `LastModified`");
            for (ItemDefinition item : activity.items()) {
                columns.append(", ").append(item.column());
            }
            String in = " WHERE `RecordID` IN (" + "?,".repeat(ids.size() - 1) + "?)";
            connection.setAutoCommit(false);
            try (PreparedStatement copy = connection.prepareStatement("INSERT INTO " + activity.archiveTable() + " (" + columns
                    + ", `ArchivedAt`) SELECT " + columns + ", UTC_TIMESTAMP(6) FROM " + activity.completedTable() + in);
                 PreparedStatement delete = connection.prepareStatement("DELETE FROM " + activity.completedTable() + in)) {
                for (int i = 0; i < ids.size(); i++) {
                    copy.setLong(i + 1, ids.get(i));
                    delete.setLong(i + 1, ids.get(i));
                }
                int copied = copy.executeUpdate();
                int deleted = delete.executeUpdate();
                if (copied != deleted) {
                    throw new SQLException("archive of " + activity.name() + " copied " + copied + " rows but deleted " + deleted
                            + "; rolled back");
                }
                connection.commit();
                return deleted;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }
}
