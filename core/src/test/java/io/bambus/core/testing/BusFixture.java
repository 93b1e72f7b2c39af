package io.bambus.core.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.apply.Applier;
import io.bambus.core.outbox.OutboxReader;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.runner.SessionMover;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One source and one destination database on the test server, with the test activities deployed
 * and the outbox created. Close it to drop both.
 */
public final class BusFixture implements AutoCloseable {

    /** An activity with one item of every type. */
    public static final String DEFINITIONS = """
            activities:
              - name: PurchaseOrder
                items:
                  - { name: Received, type: milestone }
                  - { name: Shipped, type: milestone }
                  - { name: Customer, type: text, length: 20 }
                  - { name: Quantity, type: integer }
                  - { name: Amount, type: decimal, precision: 10, scale: 2 }
                  - { name: Weight, type: float }
                  - { name: DueDate, type: timestamp }
                  - { name: Step, type: integer }
              - name: Shipment
                items:
                  - { name: Carrier, type: text, length: 40 }
            """;

    public final TestDatabase server = TestDatabase.get();
    public final String sourceDb;
    public final String destinationDb;
    public final HikariDataSource source;
    public final HikariDataSource destination;
    public final List<ActivityDefinition> definitions;

    public BusFixture() throws SQLException {
        this(DEFINITIONS);
    }

    public BusFixture(String definitionsYaml) throws SQLException {
        sourceDb = server.create("src");
        destinationDb = server.create("dst");
        source = server.pool(sourceDb, 4);
        destination = server.pool(destinationDb, 4);
        definitions = DefinitionFile.parse("test-definitions.yaml", definitionsYaml);
        new ActivityDeployer(destination).deploy(definitions);
        try (Connection connection = source.getConnection()) {
            OutboxSchema.create(connection, OutboxSchema.DEFAULT_TABLE);
        }
    }

    public OutboxReader reader(Duration retention) {
        return new OutboxReader(source, OutboxSchema.DEFAULT_TABLE, retention);
    }

    public Applier applier(String sessionId) {
        return new Applier(destination, sessionId);
    }

    private long moveEpoch;

    public SessionMover mover(String sessionId, long epoch, int batchSize) {
        return new SessionMover(reader(Duration.ofDays(1)), applier(sessionId), batchSize, epoch);
    }

    /** Moves everything of session "s1" with a new runner (the next epoch) each time; returns the events moved. */
    public long moveAll() throws SQLException {
        SessionMover mover = mover("s1", ++moveEpoch, 100);
        mover.claim();
        return drain(mover);
    }

    /** Moves batches until the outbox is empty; returns the events moved. */
    public static long drain(SessionMover mover) throws SQLException {
        long moved = 0;
        int n;
        while ((n = mover.moveBatch()) > 0) {
            moved += n;
        }
        return moved;
    }

    /** Every row of the activity tables and failed events, as text, in a stable order. */
    public String dumpDestination() throws SQLException {
        List<String> lines = new ArrayList<>();
        try (Connection connection = destination.getConnection()) {
            for (String table : tables(connection)) {
                String order = table.endsWith("_failed_events") ? "source_seq" : "1, 2, 3";
                try (Statement statement = connection.createStatement();
                     ResultSet rows = statement.executeQuery("SELECT * FROM `" + table + "` ORDER BY " + order)) {
                    ResultSetMetaData meta = rows.getMetaData();
                    while (rows.next()) {
                        StringBuilder line = new StringBuilder(table).append(':');
                        for (int i = 1; i <= meta.getColumnCount(); i++) {
                            String name = meta.getColumnLabel(i);
                            // ids and times the server assigns differ between otherwise identical runs
                            if (name.equals("RecordID") || name.equals("id") || name.equals("failed_at")) {
                                continue;
                            }
                            line.append(' ').append(name).append('=').append(rows.getString(i));
                        }
                        lines.add(line.toString());
                    }
                }
            }
        }
        return String.join("\n", lines);
    }

    private static List<String> tables(Connection connection) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
                        + " AND table_name LIKE 'bam\\_%' AND table_name NOT IN ('bam_checkpoints', 'bam_definitions', 'bam_instance_locks')"
                        + " ORDER BY table_name");
             ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                tables.add(rows.getString(1));
            }
        }
        return tables;
    }

    public long count(javax.sql.DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    public String one(javax.sql.DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql)) {
            return row.next() ? row.getString(1) : null;
        }
    }

    public void execute(javax.sql.DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @Override
    public void close() {
        source.close();
        destination.close();
        server.drop(sourceDb);
        server.drop(destinationDb);
    }
}
