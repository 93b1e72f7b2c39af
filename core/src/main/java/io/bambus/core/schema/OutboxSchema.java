package io.bambus.core.schema;

import io.bambus.core.config.SessionSettings;
import io.bambus.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The outbox table of a source. {@code seq} orders events; {@code moved_batch} is 0 until the
 * destination commit of that batch covers the row, which then stays for the retention period.
 * Both moved columns are NOT NULL so that marking a row rewrites it in place ({@link OutboxFormat}),
 * and only {@code (moved_batch, seq)} is indexed: reads find unmoved rows by it, purges old batches.
 */
public final class OutboxSchema {

    /** The outbox table a source names when it names none (the bus file's default). */
    public static final String DEFAULT_TABLE = SessionSettings.DEFAULT_OUTBOX_TABLE;

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
                + "  moved_batch BIGINT       NOT NULL DEFAULT 0,\n"
                + "  moved_at    DATETIME(6)  NOT NULL DEFAULT '" + OutboxFormat.NOT_MOVED_AT + "',\n"
                + "  PRIMARY KEY (seq),\n"
                + "  KEY ix_unmoved (moved_batch, seq)\n"
                + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
    }

    /**
     * The statements that convert an outbox of the older layout ({@link OutboxFormat#NULLABLE}) to
     * this one, run in order with its session paused (docs/operations.md): new inserts take the new
     * defaults first, then the rows not moved get them, then the columns refuse NULL; last, the index
     * on {@code moved_at} goes.
     */
    public static List<String> conversion(String table) {
        String name = quoted(table);
        String notMoved = "'" + OutboxFormat.NOT_MOVED_AT + "'";
        return List.of(
                "ALTER TABLE " + name + " MODIFY moved_batch BIGINT NULL DEFAULT 0, MODIFY moved_at DATETIME(6) NULL DEFAULT "
                        + notMoved,
                "UPDATE " + name + " SET moved_batch = 0, moved_at = " + notMoved + " WHERE moved_batch IS NULL",
                "ALTER TABLE " + name + " MODIFY moved_batch BIGINT NOT NULL DEFAULT 0, MODIFY moved_at DATETIME(6) NOT NULL"
                        + " DEFAULT " + notMoved,
                // the purge goes by batch now; each mark had to move the row's entry in this index too
                "ALTER TABLE " + name + " DROP INDEX ix_moved_at");
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
    public static String ownerDdl(String name) {
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
