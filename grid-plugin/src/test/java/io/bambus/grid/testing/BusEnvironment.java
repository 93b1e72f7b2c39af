package io.bambus.grid.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A destination and N sources on the test server, a bus configuration file naming them, and the
 * activity definitions the producers write. Close it to drop the databases and files.
 */
public final class BusEnvironment implements AutoCloseable {

    /** The tests' activity alone: no view, no aggregation (the benchmarks' baseline). */
    public static final String PLAIN_DEFINITIONS = """
            activities:
              - name: Order
                items:
                  - { name: Customer, type: text, length: 40 }
                  - { name: Step, type: integer }
                  - { name: Placed, type: milestone }
            """;

    /** The tests' activity with one real-time aggregation of three dimensions, as a BizTalk team would keep one. */
    public static final String RTA_DEFINITIONS = PLAIN_DEFINITIONS + """
                views:
                  - name: Desk
                    aliases:
                      - { name: PlacedAt, items: [Placed] }
                      - { name: Stage, items: [Step] }
                    aggregations:
                      - name: Steps
                        time: { alias: PlacedAt, levels: [hour, minute] }
                        dimensions:
                          - { name: Phase, alias: Stage, ranges: [ { name: early, below: 2 }, { name: late } ] }
                          - { name: AtStep, levels: [Stage] }
                        measures:
                          - { name: Orders, function: count }
                          - { name: StepSum, function: sum, of: Stage }
                          - { name: StepAvg, function: avg, of: Stage }
            """;

    /**
     * The tests' activity, with the aggregation above grouped also by customer (a row per order, so that
     * {@link ChaosCheck#checkAggregation} checks every order's contribution) in 5-minute slices.
     */
    public static final String DEFINITIONS = RTA_DEFINITIONS
            .replace("      - { name: Stage, items: [Step] }\n",
                    "      - { name: Stage, items: [Step] }\n          - { name: Buyer, items: [Customer] }\n")
            .replace("      - { name: AtStep, levels: [Stage] }\n",
                    "      - { name: AtStep, levels: [Stage] }\n              - { name: Who, levels: [Buyer] }\n")
            + "            window: 1d\n            slice: 5m\n";

    private final TestDatabase server = TestDatabase.get();
    public final Path dir;
    public final Path configFile;
    public final String destinationDb;
    public final HikariDataSource destination;
    public final Map<String, String> sourceDbs = new LinkedHashMap<>();
    public final Map<String, HikariDataSource> sources = new LinkedHashMap<>();
    /** Sources the bus reaches through a proxy port instead of the server's own. */
    private final Map<String, Integer> routes = new LinkedHashMap<>();
    private String[] destinationOverride;
    /** The user the bus reaches every source as, when not the server's own. */
    private String[] sourceUser;

    public BusEnvironment(List<String> sourceIds, String extraConfig) throws IOException, SQLException {
        dir = Files.createTempDirectory("bambus-test");
        destinationDb = server.create("dst");
        destination = server.pool(destinationDb, 4);
        for (String id : sourceIds) {
            String db = server.create("src");
            sourceDbs.put(id, db);
            HikariDataSource pool = server.pool(db, 4);
            sources.put(id, pool);
            try (Connection connection = pool.getConnection()) {
                OutboxSchema.create(connection, OutboxSchema.DEFAULT_TABLE);
            }
        }
        Files.writeString(dir.resolve("definitions.yaml"), DEFINITIONS);
        configFile = dir.resolve("bus.yaml");
        writeConfig(sourceIds, extraConfig);
    }

    public void writeConfig(List<String> sourceIds, String extraConfig) throws IOException {
        StringBuilder yaml = new StringBuilder();
        if (destinationOverride != null) {
            yaml.append("destination: { jdbcUrl: \"").append(destinationOverride[0]).append("\", username: ")
                    .append(destinationOverride[1]).append(", password: \"").append(destinationOverride[2]).append("\" }\n");
        } else {
            yaml.append("destination: { jdbcUrl: \"").append(server.jdbcUrl(destinationDb)).append("\", username: ")
                    .append(server.user()).append(", password: \"").append(server.password()).append("\" }\n");
        }
        yaml.append("sources:\n");
        for (String id : sourceIds) {
            String url = routes.containsKey(id) ? server.jdbcUrlVia(routes.get(id), sourceDbs.get(id)) : server.jdbcUrl(sourceDbs.get(id));
            yaml.append("  - { id: \"").append(id).append("\", jdbcUrl: \"").append(url)
                    .append("\", username: ").append(sourceUser == null ? server.user() : sourceUser[0])
                    .append(sourceUser != null && sourceUser.length == 3 ? ", passwordSecret: " + sourceUser[2] + " }\n"
                            : ", password: \"" + (sourceUser == null ? server.password() : sourceUser[1]) + "\" }\n");
        }
        yaml.append("definitions: definitions.yaml\n");
        String extra = extraConfig == null ? "" : extraConfig;
        // the tests' quick defaults, unless the caller gives its own (a key twice is a configuration error)
        if (!extra.contains("pollIntervalMillis:")) {
            yaml.append("pollIntervalMillis: 20\n");
        }
        if (!extra.contains("maxBackoffMillis:")) {
            yaml.append("maxBackoffMillis: 1000\n");
        }
        yaml.append(extra);
        Path temp = dir.resolve("bus.yaml.tmp");
        Files.writeString(temp, yaml);
        Files.move(temp, configFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Replaces the activity definitions the members load (before they start). */
    public void definitions(String yaml) throws IOException {
        Files.writeString(dir.resolve("definitions.yaml"), yaml);
    }

    /** Points the bus at another destination (e.g. a multi-host URL of a primary and its replica). */
    public void destinationUrl(String url, String user, String password) throws IOException {
        destinationOverride = new String[] {url, user, password};
        writeConfig(sourceIds(), null);
    }

    /** Makes the bus reach every source as {@code user} (set before the members start). */
    public void sourceUser(String user, String password, String extraConfig) throws IOException {
        sourceUser = new String[] {user, password};
        writeConfig(sourceIds(), extraConfig);
    }

    /** Makes the bus reach every source as {@code user}, whose password is secret {@code secretName} (handed over at start). */
    public void sourceUserWithSecret(String user, String secretName) throws IOException {
        sourceUser = new String[] {user, null, secretName};
        writeConfig(sourceIds(), null);
    }

    /** Makes the bus reach {@code sourceId} through {@code port} (set before the members start). */
    public void route(String sourceId, int port, String extraConfig) throws IOException {
        routes.put(sourceId, port);
        writeConfig(sourceIds(), extraConfig);
    }

    public String sourceJdbcUrl(String sourceId) {
        return server.jdbcUrl(sourceDbs.get(sourceId));
    }

    public String destinationJdbcUrl() {
        return server.jdbcUrl(destinationDb);
    }

    public String user() {
        return server.user();
    }

    public String password() {
        return server.password();
    }

    public int serverPort() {
        return server.port();
    }

    public void execute(javax.sql.DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    public long query(javax.sql.DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql)) {
            return row.next() ? row.getLong(1) : 0;
        }
    }

    /** The first column of the first row of {@code sql}, or -1 while it cannot run (tables not deployed yet): for polling. */
    public long count(javax.sql.DataSource dataSource, String sql) {
        try {
            return query(dataSource, sql);
        } catch (SQLException e) {
            return -1;
        }
    }

    /** Events the destination has applied for a session (0 before its first commit). */
    public long applied(String sessionId) {
        try {
            return query(destination, "SELECT COALESCE(MAX(events_applied), 0) FROM bam_checkpoints WHERE session_id = '"
                    + sessionId + "'");
        } catch (SQLException e) {
            return 0; // tables not deployed yet
        }
    }

    /** The fencing epoch of each session's checkpoint of record (session id to epoch). */
    public Map<String, Long> epochs() throws SQLException {
        Map<String, Long> epochs = new java.util.HashMap<>();
        try (Connection connection = destination.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT session_id, epoch FROM bam_checkpoints")) {
            while (rows.next()) {
                epochs.put(rows.getString(1), rows.getLong(2));
            }
        }
        return epochs;
    }

    public List<String> sourceIds() {
        return new ArrayList<>(sources.keySet());
    }

    @Override
    public void close() {
        destination.close();
        sources.values().forEach(HikariDataSource::close);
        server.drop(destinationDb);
        sourceDbs.values().forEach(server::drop);
    }
}
