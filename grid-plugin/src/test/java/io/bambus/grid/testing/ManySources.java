package io.bambus.grid.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many sources sharing one database, each with its own outbox table {@code ob_N} and a pool of
 * one connection: how the scale benchmarks reach thousands of sessions on one test server.
 */
public final class ManySources {

    /** Tables one connection creates, or fills, before it takes the next ones. */
    private static final int CHUNK = 100;

    private ManySources() {
    }

    /**
     * Fills outbox {@code table} (source {@code sN}) after it is created. Runs with auto-commit off
     * (ManySources commits every {@value #CHUNK} tables) and on several threads at once.
     */
    public interface Fill {
        void outbox(Connection connection, String table, int index) throws SQLException;
    }

    /** As {@link #configure(TestDatabase, HikariDataSource, String, String, Path, int, String, BusUsers, Fill)}, as the server's user. */
    public static Path configure(TestDatabase server, HikariDataSource source, String sourceDb, String destinationDb, Path dir,
                                 int n, String extraYaml, Fill fill) throws SQLException, IOException {
        return configure(server, source, sourceDb, destinationDb, dir, n, extraYaml, null, fill);
    }

    /**
     * Creates {@code n} outbox tables in {@code sourceDb} and the owner table beside them, raises
     * the server's max_connections, and writes {@code bus.yaml} (sources {@code s0}…, plus
     * {@code extraYaml}) and the test definitions into {@code dir}; returns the bus.yaml path. The
     * bus logs in as {@code users} (null: as the server's user). Tables are created and filled
     * over as many connections as {@code source}'s pool holds (8 at most).
     */
    public static Path configure(TestDatabase server, HikariDataSource source, String sourceDb, String destinationDb, Path dir,
                                 int n, String extraYaml, BusUsers users, Fill fill) throws SQLException, IOException {
        try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("SET GLOBAL max_connections = GREATEST(@@max_connections, " + Math.max(5000, n + 1000) + ")");
            // as the README asks of a server with thousands of outbox tables: every table stays cached
            statement.execute("SET GLOBAL table_definition_cache = GREATEST(@@table_definition_cache, " + (n + 1000) + ")");
            statement.execute("SET GLOBAL table_open_cache = GREATEST(@@table_open_cache, " + (n + 1000) + ")");
        } catch (SQLException e) {
            System.out.println("(could not raise max_connections: " + e.getMessage() + ")");
        }
        try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(OutboxSchema.OWNER_DDL);
        }
        int connections = Math.max(1, Math.min(8, source.getMaximumPoolSize()));
        // a CREATE commits by itself, so all tables first, then the fills in few transactions
        inChunks(source, n, connections, (connection, i) -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute(OutboxSchema.ddl("ob_" + i));
            }
        });
        inChunks(source, n, connections, (connection, i) -> fill.outbox(connection, "ob_" + i, i));

        String destinationLogin = users == null ? login(server.user(), server.password()) : login(users.destinationUser(), users.password());
        String sourceLogin = users == null ? login(server.user(), server.password()) : login(users.sourceUser(), users.password());
        StringBuilder yaml = new StringBuilder("destination: { jdbcUrl: \"" + server.jdbcUrl(destinationDb) + "\", "
                + destinationLogin + " }\nsources:\n");
        for (int i = 0; i < n; i++) {
            yaml.append("  - { id: s").append(i).append(", jdbcUrl: \"").append(server.jdbcUrl(sourceDb)).append("\", ")
                    .append(sourceLogin).append(", outboxTable: ob_").append(i).append(", poolSize: 1 }\n");
        }
        yaml.append("definitions: definitions.yaml\n").append(extraYaml == null ? "" : extraYaml);
        Files.writeString(dir.resolve("definitions.yaml"), BusEnvironment.DEFINITIONS);
        Path config = dir.resolve("bus.yaml");
        Files.writeString(config, yaml);
        return config;
    }

    private static String login(String user, String password) {
        return "username: " + user + ", password: \"" + password + "\"";
    }

    private interface TableTask {
        void run(Connection connection, int index) throws SQLException;
    }

    /** Runs {@code task} for tables 0..n-1 over {@code connections} connections, committing every chunk. */
    private static void inChunks(HikariDataSource source, int n, int connections, TableTask task) throws SQLException {
        AtomicInteger next = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(connections);
        try {
            List<Future<Void>> workers = new ArrayList<>();
            for (int t = 0; t < connections; t++) {
                workers.add(threads.submit(() -> {
                    try (Connection connection = source.getConnection()) {
                        connection.setAutoCommit(false);
                        for (int from = next.getAndAdd(CHUNK); from < n; from = next.getAndAdd(CHUNK)) {
                            for (int i = from; i < Math.min(n, from + CHUNK); i++) {
                                task.run(connection, i);
                            }
                            connection.commit();
                        }
                        connection.setAutoCommit(true);
                    }
                    return null;
                }));
            }
            for (Future<Void> worker : workers) {
                worker.get();
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the outbox tables", e);
        } finally {
            threads.shutdownNow();
        }
    }
}
