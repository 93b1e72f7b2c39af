package io.bambus.core.schema;

import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.aggregate.AggregationRebuild;
import io.bambus.core.aggregate.AggregationTable;
import io.bambus.core.activity.DefinitionChangeRefusedException;
import io.bambus.core.activity.ItemDefinition;
import io.bambus.core.activity.IndexDefinition;
import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.activity.Naming;
import io.bambus.core.activity.ViewDefinition;
import io.bambus.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Deploys activity definitions into the destination. Deploying the same definitions again changes
 * nothing; a definition that adds items alters the tables; one that drops, renames or retypes an
 * item is refused before any table is touched.
 */
public final class ActivityDeployer {

    private static final Logger LOG = LogManager.getLogger(ActivityDeployer.class);
    /** Members starting together deploy the same file; the lock makes them take turns. */
    private static final String LOCK = "bambus.deploy";
    private static final int LOCK_SECONDS = 60;

    private final DataSource destination;

    public ActivityDeployer(DataSource destination) {
        this.destination = destination;
    }

    /** The statements a deployment of {@code activities} would run now, for review or a dry run. */
    public List<String> plan(List<ActivityDefinition> activities) throws SQLException {
        try (Connection connection = destination.getConnection()) {
            DestinationSchema.create(connection);
            return plan(connection, activities, new ArrayList<>());
        }
    }

    /** Deploys and returns the statements it ran; empty when everything was deployed already. */
    public List<String> deploy(List<ActivityDefinition> activities) throws SQLException {
        try (Connection connection = destination.getConnection()) {
            connection.setAutoCommit(true);
            DestinationSchema.create(connection);
            lock(connection);
            try {
                List<AggregationTable> rebuilds = new ArrayList<>();
                List<String> statements = plan(connection, activities, rebuilds);
                try (Statement statement = connection.createStatement()) {
                    for (String sql : statements) {
                        statement.execute(sql);
                    }
                }
                for (ActivityDefinition activity : activities) {
                    record(connection, activity);
                }
                // after the record: a batch that locks its checkpoint after a rebuild sees the new definitions
                for (AggregationTable aggregation : rebuilds) {
                    AggregationRebuild.rebuild(destination, aggregation, activities.stream()
                            .filter(a -> a.views().contains(aggregation.view())).findFirst().orElseThrow());
                }
                if (!statements.isEmpty()) {
                    LOG.info("Deployed activity definitions {} ({} statements)",
                            activities.stream().map(ActivityDefinition::name).toList(), statements.size());
                }
                return statements;
            } finally {
                unlock(connection);
            }
        }
    }

    /** The definitions deployed in the destination, by lower-case activity name. */
    public static Map<String, ActivityDefinition> deployed(Connection connection) throws SQLException {
        Map<String, ActivityDefinition> result = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT activity, definition FROM bam_definitions")) {
            while (rows.next()) {
                ActivityDefinition definition = DefinitionFile.fromJson("bam_definitions[" + rows.getString(1) + "]", rows.getString(2));
                result.put(definition.name().toLowerCase(Locale.ROOT), definition);
            }
        }
        return result;
    }

    /** The statements to run; {@code rebuilds} receives the aggregations to compute afresh (new or changed). */
    private List<String> plan(Connection connection, List<ActivityDefinition> activities, List<AggregationTable> rebuilds)
            throws SQLException {
        Map<String, ActivityDefinition> deployed = deployed(connection);
        List<String> refusals = new ArrayList<>();
        List<String> statements = new ArrayList<>();
        for (ActivityDefinition activity : activities) {
            ActivityDefinition current = deployed.get(activity.name().toLowerCase(Locale.ROOT));
            if (current == null) {
                statements.addAll(createStatements(activity));
                statements.addAll(indexStatements(connection, activity));
                rebuilds.addAll(AggregationTable.of(activity));
                continue;
            }
            if (current.naming() != activity.naming()) {
                refusals.add("activity '" + activity.name() + "' is deployed with naming: " + current.naming().fileName()
                        + " (tables " + current.activeTableName() + ", " + current.completedTableName() + ", …) and the new"
                        + " definitions ask for naming: " + activity.naming().fileName() + "; its rows live under the old names."
                        + " Keep naming: " + current.naming().fileName() + ", or deploy the activity under a new name");
                continue;
            }
            if (!columns(connection, activity.activeTableName()).contains("beganat")) {
                // deployed before BeganAt existed: rows written since then carry it, older ones count from LastModified
                statements.add(beganStatement(activity));
            }
            boolean archiveExists = !columns(connection, activity.archiveTableName()).isEmpty();
            if (!archiveExists) {
                // deployed before archiving existed: the new definition's archive table, with every item
                statements.add(archiveStatement(activity));
            }
            List<ItemDefinition> added = new ArrayList<>();
            for (ItemDefinition old : current.items()) {
                ItemDefinition now = activity.item(old.name());
                if (now == null) {
                    refusals.add("activity '" + activity.name() + "': item '" + old.name()
                            + "' is deployed but missing from the new definition; dropping or renaming an item would lose its data."
                            + " Keep the item, or deploy the changed activity under a new name");
                } else if (!now.equals(old)) {
                    refusals.add("activity '" + activity.name() + "': item '" + old.name() + "' is deployed as " + old.describe()
                            + " and the new definition makes it " + now.describe()
                            + "; changing an item's type or size is refused. Add a new item instead");
                }
            }
            for (ItemDefinition item : activity.items()) {
                if (current.item(item.name()) == null) {
                    added.add(item);
                }
            }
            for (IndexDefinition old : current.indexes()) {
                IndexDefinition now = activity.indexes().stream().filter(i -> i.name().equalsIgnoreCase(old.name())).findFirst().orElse(null);
                if (now == null || !now.sameAs(old)) {
                    refusals.add("activity '" + activity.name() + "': index '" + old.name() + "' on " + old.items() + " is deployed and the"
                            + " new definition " + (now == null ? "drops it" : "makes it " + now.items())
                            + "; changing an index is refused. Keep it, or add an index under a new name");
                }
            }
            if (!added.isEmpty()) {
                statements.addAll(addStatements(connection, activity, added, archiveExists)); // views included
            } else if (!current.views().equals(activity.views())) {
                statements.addAll(activityViewStatements(activity));
            }
            for (String gone : current.viewObjectNames()) {
                if (!activity.viewObjectNames().contains(gone)) {
                    statements.add("DROP VIEW IF EXISTS " + Identifiers.quote(gone)); // a view holds no data
                }
            }
            statements.addAll(aggregationChanges(current, activity, rebuilds));
            for (AggregationTable aggregation : AggregationTable.of(activity)) {
                if (!rebuilds.contains(aggregation) && !aggregation.fingerprint().equals(built(connection, aggregation))) {
                    rebuilds.add(aggregation); // its last rebuild failed, or never ran: its rows are not to be trusted
                }
            }
            statements.addAll(indexStatements(connection, activity));
        }
        if (!refusals.isEmpty()) {
            throw new DefinitionChangeRefusedException("deployment refused, nothing was changed:\n  " + String.join("\n  ", refusals));
        }
        return statements;
    }

    static List<String> createStatements(ActivityDefinition activity) {
        StringBuilder items = new StringBuilder();
        for (ItemDefinition item : activity.items()) {
            items.append("  ").append(item.column()).append(' ').append(item.sqlType()).append(" NULL,\n");
        }
        Naming naming = activity.naming();
        List<String> ddl = new ArrayList<>();
        ddl.add("CREATE TABLE IF NOT EXISTS " + activity.activeTable() + " (\n"
                + "  `ActivityID` VARCHAR(128) NOT NULL,\n"
                + "  `IsVisible` TINYINT(1) NOT NULL DEFAULT 1,\n"
                + "  `IsComplete` TINYINT(1) NOT NULL DEFAULT 0,\n"
                + "  `LastModified` DATETIME(6) NOT NULL,\n"
                + "  `BeganAt` DATETIME(6) NULL,\n"
                + items
                + "  PRIMARY KEY (`ActivityID`),\n"
                + "  KEY `ix_began` (`BeganAt`)\n"
                + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
        ddl.add("CREATE TABLE IF NOT EXISTS " + activity.completedTable() + " (\n"
                + "  `RecordID` BIGINT NOT NULL AUTO_INCREMENT,\n"
                + "  `ActivityID` VARCHAR(128) NOT NULL,\n"
                + "  `IsVisible` TINYINT(1) NOT NULL DEFAULT 1,\n"
                + "  `LastModified` DATETIME(6) NOT NULL,\n"
                + items
                + "  PRIMARY KEY (`RecordID`),\n"
                + "  UNIQUE KEY `ux_activity_id` (`ActivityID`),\n"
                + "  KEY `ix_last_modified` (`LastModified`)\n"
                + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
        ddl.add("CREATE TABLE IF NOT EXISTS " + activity.relationshipsTable() + " (\n"
                + "  `ActivityID` VARCHAR(128) NOT NULL,\n"
                + "  `ReferenceType` VARCHAR(128) NOT NULL,\n"
                + "  `ReferenceName` VARCHAR(128) NOT NULL,\n"
                + "  `ReferenceData` VARCHAR(255) NOT NULL,\n"
                + "  `LongReferenceData` MEDIUMTEXT NULL,\n"
                + "  `LastModified` DATETIME(6) NOT NULL,\n"
                + "  PRIMARY KEY (`ActivityID`, `ReferenceType`, `ReferenceName`, `ReferenceData`)\n"
                + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
        // BAM's continuations table: the token in ActivityID, the instance it continues in ParentActivityID
        ddl.add("CREATE TABLE IF NOT EXISTS " + activity.continuationsTable() + " (\n"
                + "  " + naming.tokenColumn() + " VARCHAR(128) NOT NULL,\n"
                + "  " + naming.continuedColumn() + " VARCHAR(128) NOT NULL,\n"
                + "  `LastModified` DATETIME(6) NOT NULL,\n"
                + "  PRIMARY KEY (" + naming.tokenColumn() + "),\n"
                + "  KEY " + (naming == Naming.BIZTALK ? "`NCI_ParentActivityID`" : "`ix_activity_id`")
                + " (" + naming.continuedColumn() + ")\n"
                + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
        ddl.add(archiveStatement(activity));
        ddl.addAll(viewStatements(activity));
        return ddl;
    }

    /**
     * The active table's {@code BeganAt} (its earliest event's time, for alert rules on begun instances),
     * for tables deployed before it existed; their rows get it at their next event.
     */
    static String beganStatement(ActivityDefinition activity) {
        return "ALTER TABLE " + activity.activeTable() + " ADD COLUMN `BeganAt` DATETIME(6) NULL, ADD KEY `ix_began` (`BeganAt`)";
    }

    /** The archive table: the completed table's columns (RecordID kept), plus when the row was archived. */
    static String archiveStatement(ActivityDefinition activity) {
        StringBuilder items = new StringBuilder();
        for (ItemDefinition item : activity.items()) {
            items.append("  ").append(item.column()).append(' ').append(item.sqlType()).append(" NULL,\n");
        }
        return "CREATE TABLE IF NOT EXISTS " + activity.archiveTable() + " (\n"
                + "  `RecordID` BIGINT NOT NULL,\n"
                + "  `ActivityID` VARCHAR(128) NOT NULL,\n"
                + "  `IsVisible` TINYINT(1) NOT NULL DEFAULT 1,\n"
                + "  `LastModified` DATETIME(6) NOT NULL,\n"
                + items
                + "  `ArchivedAt` DATETIME(6) NOT NULL,\n"
                + "  PRIMARY KEY (`RecordID`),\n"
                + "  KEY `ix_activity_id` (`ActivityID`),\n"
                + "  KEY `ix_last_modified` (`LastModified`)\n"
                + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
    }

    /**
     * The views over the activity's tables. Ours: all instances with their state. BizTalk's (as BAM
     * defines them): active and completed instances with RecordID, ActivityID, the items and
     * LastModified, both together, and the references by the state of their instance.
     */
    static List<String> viewStatements(ActivityDefinition activity) {
        List<String> statements = new ArrayList<>(instanceViewStatements(activity));
        statements.addAll(activityViewStatements(activity));
        return statements;
    }

    /**
     * The activity views (BizTalk BAM's View/ActivityView): per view, its active instances (visible
     * ones), its completed instances and both together, each with ActivityID, the aliases (the first
     * of an alias's items that has a value), the durations ({@code to − from} in the resolution,
     * fractional; null while either end is null) and LastModified.
     */
    static List<String> activityViewStatements(ActivityDefinition activity) {
        List<String> statements = new ArrayList<>();
        for (ViewDefinition view : activity.views()) {
            StringBuilder columns = new StringBuilder("`ActivityID`");
            for (ViewDefinition.Alias alias : view.aliases()) {
                columns.append(", ").append(alias.sql()).append(" AS ").append(Identifiers.quote(alias.name()));
            }
            for (ViewDefinition.Duration duration : view.durations()) {
                columns.append(", TIMESTAMPDIFF(MICROSECOND, ").append(view.alias(duration.from()).sql()).append(", ")
                        .append(view.alias(duration.to()).sql()).append(") / ").append(duration.resolution().micros)
                        .append("e0 AS ").append(Identifiers.quote(duration.name()));
            }
            columns.append(", `LastModified`");
            String active = Identifiers.quote(view.objectName(activity.name(), activity.naming(), ViewDefinition.Variant.ACTIVE));
            String completed = Identifiers.quote(view.objectName(activity.name(), activity.naming(),
                    ViewDefinition.Variant.COMPLETED));
            statements.add("CREATE OR REPLACE VIEW " + active + " AS\n  SELECT " + columns + " FROM " + activity.activeTable()
                    + " WHERE `IsVisible` = 1");
            statements.add("CREATE OR REPLACE VIEW " + completed + " AS\n  SELECT " + columns + " FROM " + activity.completedTable());
            statements.add("CREATE OR REPLACE VIEW " + Identifiers.quote(view.objectName(activity.name(), activity.naming(),
                    ViewDefinition.Variant.ALL)) + " AS\n  SELECT * FROM " + active + "\n  UNION ALL\n  SELECT * FROM " + completed);
        }
        for (AggregationTable aggregation : AggregationTable.of(activity)) {
            statements.addAll(aggregation.createStatements());
        }
        return statements;
    }

    /** The definition an aggregation's rows were last rebuilt for (its fingerprint), or null. */
    private static String built(Connection connection, AggregationTable aggregation) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT definition FROM bam_aggregation_builds WHERE aggregation = ?")) {
            select.setString(1, aggregation.tableName());
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getString(1) : null;
            }
        }
    }

    /**
     * A changed or removed aggregation's table is dropped (its rows are derived: a rebuild makes them
     * again), a new or changed one is created and rebuilt after the definitions are recorded.
     */
    private static List<String> aggregationChanges(ActivityDefinition current, ActivityDefinition activity,
                                                   List<AggregationTable> rebuilds) {
        Map<String, AggregationTable> before = new LinkedHashMap<>();
        AggregationTable.of(current).forEach(t -> before.put(t.table(), t));
        List<String> statements = new ArrayList<>();
        for (AggregationTable now : AggregationTable.of(activity)) {
            AggregationTable old = before.remove(now.table());
            if (old == null || !old.definition().equals(now.definition()) || !old.view().aliases().equals(now.view().aliases())
                    || !old.view().durations().equals(now.view().durations())) {
                if (old != null) {
                    statements.add("DROP TABLE IF EXISTS " + now.table());
                }
                statements.addAll(now.createStatements());
                rebuilds.add(now);
            }
        }
        for (AggregationTable gone : before.values()) {
            statements.add("DROP VIEW IF EXISTS " + Identifiers.quote(gone.definition().viewName(current.naming(), gone.view())));
            statements.add("DROP TABLE IF EXISTS " + gone.table());
        }
        return statements;
    }

    private static List<String> instanceViewStatements(ActivityDefinition activity) {
        StringBuilder columns = new StringBuilder();
        for (ItemDefinition item : activity.items()) {
            columns.append(", ").append(item.column());
        }
        if (activity.naming() == Naming.BAMBUS) {
            return List.of("CREATE OR REPLACE VIEW " + activity.allInstancesView() + " AS\n"
                    + "  SELECT `ActivityID`, `IsVisible`, `IsComplete`, `LastModified`" + columns + " FROM " + activity.activeTable() + "\n"
                    + "  UNION ALL\n"
                    + "  SELECT `ActivityID`, `IsVisible`, 1, `LastModified`" + columns + " FROM " + activity.completedTable());
        }
        String activeInstances = activity.biztalkView("ActiveInstances");
        String completedInstances = activity.biztalkView("CompletedInstances");
        String references = "r.`ActivityID`, r.`ReferenceName`, r.`ReferenceData`, r.`ReferenceType`, r.`LongReferenceData`,"
                + " CAST(NULL AS CHAR(1)) AS `ReferenceDataExtend`";
        return List.of(
                "CREATE OR REPLACE VIEW " + activeInstances + " AS\n"
                        + "  SELECT CAST(NULL AS SIGNED) AS `RecordID`, `ActivityID`" + columns + ", `LastModified` FROM "
                        + activity.activeTable() + " WHERE `IsVisible` = 1",
                "CREATE OR REPLACE VIEW " + completedInstances + " AS\n"
                        + "  SELECT `RecordID`, `ActivityID`" + columns + ", `LastModified` FROM " + activity.completedTable(),
                "CREATE OR REPLACE VIEW " + activity.allInstancesView() + " AS\n"
                        + "  SELECT * FROM " + activeInstances + "\n  UNION ALL\n  SELECT * FROM " + completedInstances,
                "CREATE OR REPLACE VIEW " + activity.biztalkView("ActiveRelationships") + " AS\n"
                        + "  SELECT " + references + " FROM " + activity.relationshipsTable() + " r JOIN " + activity.activeTable()
                        + " a ON a.`ActivityID` = r.`ActivityID`",
                "CREATE OR REPLACE VIEW " + activity.biztalkView("CompletedRelationships") + " AS\n"
                        + "  SELECT c.`RecordID`, " + references + " FROM " + activity.relationshipsTable() + " r JOIN "
                        + activity.completedTable() + " c ON c.`ActivityID` = r.`ActivityID`");
    }

    private static String indexStatement(String table, IndexDefinition index) {
        return "CREATE INDEX " + index.quotedName() + " ON " + table + " ("
                + String.join(", ", index.items().stream().map(Identifiers::quote).toList()) + ")";
    }

    /** CREATE INDEX for the definition's indexes a table lacks (new ones, or a deployment cut short). */
    private static List<String> indexStatements(Connection connection, ActivityDefinition activity) throws SQLException {
        List<String> statements = new ArrayList<>();
        if (activity.indexes().isEmpty()) {
            return statements;
        }
        for (String table : List.of(activity.activeTableName(), activity.completedTableName())) {
            Set<String> existing = indexes(connection, table);
            for (IndexDefinition index : activity.indexes()) {
                if (!existing.contains(index.name().toLowerCase(Locale.ROOT))) {
                    statements.add(indexStatement(Identifiers.quote(table), index));
                }
            }
        }
        return statements;
    }

    private static Set<String> indexes(Connection connection, String table) throws SQLException {
        return lowerCaseNames(connection, table,
                "SELECT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ?");
    }

    /** ALTERs for new items, skipping columns a deployment cut short already added. */
    private static List<String> addStatements(Connection connection, ActivityDefinition activity, List<ItemDefinition> added,
                                              boolean archiveExists) throws SQLException {
        List<String> statements = new ArrayList<>();
        List<String> tables = new ArrayList<>(List.of(activity.activeTableName(), activity.completedTableName()));
        if (archiveExists) {
            tables.add(activity.archiveTableName());
        }
        for (String table : tables) {
            Set<String> existing = columns(connection, table);
            List<String> clauses = new ArrayList<>();
            for (ItemDefinition item : added) {
                if (!existing.contains(item.name().toLowerCase(Locale.ROOT))) {
                    clauses.add("ADD COLUMN " + item.column() + ' ' + item.sqlType() + " NULL");
                }
            }
            if (!clauses.isEmpty()) {
                statements.add("ALTER TABLE " + Identifiers.quote(table) + ' ' + String.join(", ", clauses));
            }
        }
        statements.addAll(viewStatements(activity));
        return statements;
    }

    private static Set<String> columns(Connection connection, String table) throws SQLException {
        return lowerCaseNames(connection, table,
                "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?");
    }

    /** The first column of {@code query} (one parameter: the table's name) for {@code table}, in lower case. */
    private static Set<String> lowerCaseNames(Connection connection, String table, String query) throws SQLException {
        Set<String> result = new HashSet<>();
        try (PreparedStatement statement = connection.prepareStatement(query)) {
            statement.setString(1, table);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    result.add(rows.getString(1).toLowerCase(Locale.ROOT));
                }
            }
        }
        return result;
    }

    private static void record(Connection connection, ActivityDefinition activity) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "INSERT INTO bam_definitions (activity, definition, deployed_at) VALUES (?, ?, UTC_TIMESTAMP(6)) "
                        + "ON DUPLICATE KEY UPDATE deployed_at = IF(definition = VALUES(definition), deployed_at, VALUES(deployed_at)), "
                        + "definition = VALUES(definition)")) {
            statement.setString(1, activity.name());
            statement.setString(2, DefinitionFile.toJson(activity));
            statement.executeUpdate();
        }
    }

    private static void lock(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT GET_LOCK(?, ?)")) {
            statement.setString(1, LOCK);
            statement.setInt(2, LOCK_SECONDS);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next() || row.getInt(1) != 1) {
                    throw new SQLException("another deployment held the lock '" + LOCK + "' for " + LOCK_SECONDS
                            + " s; wait for it to finish and deploy again");
                }
            }
        }
    }

    private static void unlock(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT RELEASE_LOCK(?)")) {
            statement.setString(1, LOCK);
            statement.executeQuery().close();
        }
    }
}
