package io.bambus.core.outbox;

import io.bambus.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The outbox table of a source. {@code seq} orders events; {@code moved_batch} is null until the
 * destination commit of that batch covers the row, which then stays for the retention period.
 */
public final class OutboxSchema {

    public static final String DEFAULT_TABLE = "bam_outbox";

    private OutboxSchema() {
    }

    /** The DDL, for the library to run or a DBA to review. */
    public static String ddl(String table) {
        return "CREATE TABLE IF NOT EXISTS " + quoted(table) + " (\n"
                + "  seq         BIGINT       NOT NULL AUTO_INCREMENT,\n"
                + "  kind        VARCHAR(32)  NOT NULL,\n"
                + "  activity    VARCHAR(255) NOT NULL,\n"
                + "  instance_id VARCHAR(255) NOT NULL,\n"
                + "  payload     MEDIUMBLOB   NOT NULL,\n"
                + "  event_time  DATETIME(6)  NOT NULL,\n"
                + "  moved_batch BIGINT       NULL,\n"
                + "  moved_at    DATETIME(6)  NULL,\n"
                + "  PRIMARY KEY (seq),\n"
                + "  KEY ix_unmoved (moved_batch, seq),\n"
                + "  KEY ix_moved_at (moved_at)\n"
                + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
    }

    public static void create(Connection connection, String table) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(ddl(table));
        }
    }

    public static String quoted(String table) {
        return Identifiers.quote(Identifiers.check("outbox table", table, 64));
    }
}
