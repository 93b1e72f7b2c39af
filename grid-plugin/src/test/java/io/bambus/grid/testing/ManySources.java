package io.bambus.grid.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.outbox.OutboxSchema;
import io.bambus.core.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Many sources sharing one database, each with its own outbox table {@code ob_N} and a pool of
 * one connection: how the scale benchmarks reach hundreds of sessions on one test server.
 */
public final class ManySources {

    private ManySources() {
    }

    /** Fills outbox {@code table} (source {@code sN}) after it is created. */
    public interface Fill {
        void outbox(Connection connection, String table, int index) throws SQLException;
    }

    /**
     * Creates {@code n} outbox tables in {@code sourceDb}, raises the server's max_connections,
     * and writes {@code bus.yaml} (sources {@code s0}…, plus {@code extraYaml}) and the test
     * definitions into {@code dir}; returns the bus.yaml path.
     */
    public static Path configure(TestDatabase server, HikariDataSource source, String sourceDb, String destinationDb, Path dir,
                                 int n, String extraYaml, Fill fill) throws SQLException, IOException {
        try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("SET GLOBAL max_connections = 5000");
        } catch (SQLException e) {
            System.out.println("(could not raise max_connections: " + e.getMessage() + ")");
        }
        StringBuilder yaml = new StringBuilder("destination: { jdbcUrl: \"" + server.jdbcUrl(destinationDb) + "\", username: "
                + server.user() + ", password: \"" + server.password() + "\" }\nsources:\n");
        try (Connection connection = source.getConnection()) {
            for (int i = 0; i < n; i++) {
                OutboxSchema.create(connection, "ob_" + i);
                fill.outbox(connection, "ob_" + i, i);
                yaml.append("  - { id: s").append(i).append(", jdbcUrl: \"").append(server.jdbcUrl(sourceDb))
                        .append("\", username: ").append(server.user()).append(", password: \"").append(server.password())
                        .append("\", outboxTable: ob_").append(i).append(", poolSize: 1 }\n");
            }
        }
        yaml.append("definitions: definitions.yaml\n").append(extraYaml == null ? "" : extraYaml);
        Files.writeString(dir.resolve("definitions.yaml"), BusEnvironment.DEFINITIONS);
        Path config = dir.resolve("bus.yaml");
        Files.writeString(config, yaml);
        return config;
    }
}
