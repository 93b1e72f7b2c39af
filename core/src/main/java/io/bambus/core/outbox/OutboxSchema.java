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

    /**
     * The bus's own small table beside the outboxes of a source database: per session, the newest
     * fencing epoch that wrote to the outbox (every acknowledgement, reconcile and purge checks and
     * raises it in the same transaction), the outbox's identity, which checkpoints record, and the
     * last batch (and highest seq) marked here.
     */
    public static final String OWNER_TABLE = "bam_outbox_owner";

    public static final String OWNER_DDL = ownerDdl(OWNER_TABLE);

    /** The owner table's DDL under a (qualified, quoted) name. */
    static String ownerDdl(String name) {
        return "CREATE TABLE IF NOT EXISTS " + name + " (\n"
                + "  session_id   VARCHAR(64)  NOT NULL,\n"
                + "  outbox_table VARCHAR(64)  NOT NULL,\n"
                + "  outbox_id    CHAR(36)     NOT NULL,\n"
                + "  epoch        BIGINT       NOT NULL,\n"
                + "  max_seq      BIGINT       NOT NULL,\n"
                + "  batch_no     BIGINT       NOT NULL,\n"
                + "  updated_at   DATETIME(6)  NOT NULL,\n"
                + "  PRIMARY KEY (session_id)\n"
                + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
    }

    /** Creates the outbox and the owner table the bus keeps beside it. */
    public static void create(Connection connection, String table) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(ddl(table));
            statement.execute(OWNER_DDL);
        }
    }

    public static String quoted(String table) {
        return Identifiers.quote(Identifiers.check("outbox table", table, 64));
    }
}
