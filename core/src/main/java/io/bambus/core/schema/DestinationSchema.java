package io.bambus.core.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The bus's own tables in the destination: checkpoints, quarantined events, deployed definitions,
 * the per-instance locks, the stalled-activity alerts and the split witness's lease. A quarantined event's {@code target_activity} (lower case) and
 * {@code target_instance} name the instance it holds back.
 */
public final class DestinationSchema {

    public static final List<String> DDL = List.of(
            """
            CREATE TABLE IF NOT EXISTS bam_checkpoints (
              session_id     VARCHAR(64)  NOT NULL PRIMARY KEY,
              epoch          BIGINT       NOT NULL,
              batch_no       BIGINT       NOT NULL,
              batch_seqs     MEDIUMTEXT   NOT NULL,
              max_seq        BIGINT       NOT NULL,
              events_applied BIGINT       NOT NULL,
              events_failed  BIGINT       NOT NULL,
              updated_at     DATETIME(6)  NOT NULL,
              outbox_id      CHAR(36)     NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
            """
            CREATE TABLE IF NOT EXISTS bam_failed_events (
              id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
              session_id  VARCHAR(64)   NOT NULL,
              source_seq  BIGINT        NOT NULL,
              batch_no    BIGINT        NOT NULL,
              event_kind  VARCHAR(32)   NOT NULL,
              activity    VARCHAR(255)  NOT NULL,
              instance_id VARCHAR(255)  NOT NULL,
              payload     MEDIUMBLOB    NOT NULL,
              event_time  DATETIME(6)   NULL,
              reason      VARCHAR(2000) NOT NULL,
              failed_at   DATETIME(6)   NOT NULL,
              target_activity VARCHAR(255) NOT NULL DEFAULT '',
              target_instance VARCHAR(255) NOT NULL DEFAULT '',
              UNIQUE KEY ux_failed_source (session_id, source_seq),
              KEY ix_failed_instance (target_activity, target_instance, id)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
            // one row per instance (and continuation token) ever applied: the lock a batch takes
            // before it reads the instance's rows (see ActivityBatch.load)
            """
            CREATE TABLE IF NOT EXISTS bam_instance_locks (
              activity    VARCHAR(64)  NOT NULL,
              instance_id VARCHAR(128) NOT NULL,
              PRIMARY KEY (activity, instance_id)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
            // one row per stalled instance and alert rule, ever: the key keeps a rule from alerting an
            // instance twice, whichever member evaluates (see io.bambus.core.alert)
            """
            CREATE TABLE IF NOT EXISTS bam_alerts (
              rule            VARCHAR(64)   NOT NULL,
              activity_id     VARCHAR(128)  NOT NULL,
              activity        VARCHAR(64)   NOT NULL,
              rule_text       VARCHAR(200)  NOT NULL,
              since_at        DATETIME(6)   NOT NULL,
              due_at          DATETIME(6)   NOT NULL,
              detected_at     DATETIME(6)   NOT NULL,
              next_attempt_at DATETIME(6)   NULL,
              attempts        INT           NOT NULL DEFAULT 0,
              sent_at         DATETIME(6)   NULL,
              gave_up_at      DATETIME(6)   NULL,
              last_error      VARCHAR(500)  NULL,
              resolved_at     DATETIME(6)   NULL,
              resolution      VARCHAR(100)  NULL,
              PRIMARY KEY (rule, activity_id),
              KEY ix_alerts_open (resolved_at, rule, detected_at),
              KEY ix_alerts_due (next_attempt_at)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
            // one row per cluster: the lease that decides an even split (grid.placement.Witness)
            """
            CREATE TABLE IF NOT EXISTS bam_witness (
              cluster    VARCHAR(255) NOT NULL PRIMARY KEY,
              holder     VARCHAR(64)  NOT NULL,
              expires_at DATETIME(6)  NOT NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
            """
            CREATE TABLE IF NOT EXISTS bam_aggregation_builds (
              aggregation VARCHAR(64)  NOT NULL PRIMARY KEY,
              definition  VARCHAR(64)  NOT NULL,
              built_at    DATETIME(6)  NOT NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
            """
            CREATE TABLE IF NOT EXISTS bam_definitions (
              activity    VARCHAR(64)  NOT NULL PRIMARY KEY,
              definition  MEDIUMTEXT   NOT NULL,
              deployed_at DATETIME(6)  NOT NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""");

    private DestinationSchema() {
    }

    public static void create(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String ddl : DDL) {
                statement.execute(ddl);
            }
            // tables from before a column was added (MySQL has no ADD COLUMN IF NOT EXISTS)
            if (!hasColumn(connection, "bam_checkpoints", "outbox_id")) {
                // checkpoints made before the outbox identity was recorded adopt their outbox at the next claim
                statement.execute("ALTER TABLE bam_checkpoints ADD COLUMN outbox_id CHAR(36) NULL");
            }
            if (!hasColumn(connection, "bam_failed_events", "target_instance")) {
                // a destination from before hold-back: its failed events hold back their own raw ids
                statement.execute("ALTER TABLE bam_failed_events ADD COLUMN target_activity VARCHAR(255) NOT NULL DEFAULT '',"
                        + " ADD COLUMN target_instance VARCHAR(255) NOT NULL DEFAULT '',"
                        + " ADD KEY ix_failed_instance (target_activity, target_instance, id)");
                statement.execute("UPDATE bam_failed_events SET target_activity = LOWER(activity), target_instance = instance_id");
            }
        }
    }

    private static boolean hasColumn(Connection connection, String table, String column) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT COUNT(*) FROM information_schema.columns"
                + " WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?")) {
            statement.setString(1, table);
            statement.setString(2, column);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getInt(1) > 0;
            }
        }
    }
}
