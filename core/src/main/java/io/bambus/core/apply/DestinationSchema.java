package io.bambus.core.apply;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** The bus's own tables in the destination: checkpoints, quarantined events, deployed definitions. */
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
              UNIQUE KEY ux_failed_source (session_id, source_seq)
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
            // checkpoints made before the outbox identity was recorded (MySQL has no ADD COLUMN IF NOT EXISTS)
            try (ResultSet column = statement.executeQuery("SELECT COUNT(*) FROM information_schema.columns WHERE"
                    + " table_schema = DATABASE() AND table_name = 'bam_checkpoints' AND column_name = 'outbox_id'")) {
                column.next();
                if (column.getInt(1) == 0) {
                    statement.execute("ALTER TABLE bam_checkpoints ADD COLUMN outbox_id CHAR(36) NULL");
                }
            }
        }
    }
}
