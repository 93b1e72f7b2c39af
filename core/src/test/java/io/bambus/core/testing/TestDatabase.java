package io.bambus.core.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.config.DatabaseConfig;
import io.bambus.core.db.EmbeddedMySql;
import io.bambus.core.db.Pools;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one database fixture of the test suites: a real MySQL-compatible server. With
 * {@code BAMBUS_TEST_JDBC_URL} set (e.g. {@code jdbc:mysql://127.0.0.1:3306/}, user from
 * {@code BAMBUS_TEST_JDBC_USER}, default root, password from {@code BAMBUS_TEST_JDBC_PASSWORD},
 * default empty) it uses that server; otherwise it starts the embedded server once per JVM.
 * Each test gets databases of its own, dropped when it closes them.
 */
public final class TestDatabase {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static TestDatabase instance;

    private final String serverUrl;
    private final String user;
    private final String password;

    private TestDatabase(String serverUrl, String user, String password) {
        this.serverUrl = serverUrl.endsWith("/") ? serverUrl : serverUrl + "/";
        this.user = user;
        this.password = password;
    }

    public static synchronized TestDatabase get() {
        if (instance == null) {
            // a benchmark that starts a server of its own (e.g. with the binary log) names it by the property
            String url = System.getProperty("bambus.test.jdbcUrl", System.getenv("BAMBUS_TEST_JDBC_URL"));
            if (url != null && !url.isBlank()) {
                instance = new TestDatabase(url.trim(), env("BAMBUS_TEST_JDBC_USER", "root"), env("BAMBUS_TEST_JDBC_PASSWORD", ""));
            } else {
                EmbeddedMySql server = EmbeddedMySql.start(0, null);
                // backup and restore tests use its client tools when the machine has none
                System.setProperty("bambus.mariadb.bin", server.binDir().toString());
                Runtime.getRuntime().addShutdownHook(new Thread(server::close, "embedded-mariadb-stop"));
                instance = new TestDatabase("jdbc:mysql://127.0.0.1:" + server.port() + "/", "root", "");
            }
        }
        return instance;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }

    /** Creates a fresh database named after {@code label}; drop it with {@link #drop}. */
    public String create(String label) {
        String name = "bt_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet() + "_" + label;
        admin("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4");
        return name;
    }

    public void drop(String database) {
        admin("DROP DATABASE IF EXISTS `" + database + "`");
    }

    public String jdbcUrl(String database) {
        return serverUrl + database;
    }

    /** The same database reached through another port on loopback (a proxy in front of the server). */
    public String jdbcUrlVia(int port, String database) {
        return "jdbc:mysql://127.0.0.1:" + port + "/" + database;
    }

    /** The server's TCP port. */
    public int port() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("//[^:/]+:(\\d+)").matcher(serverUrl);
        return m.find() ? Integer.parseInt(m.group(1)) : 3306;
    }

    public DatabaseConfig config(String database, int poolSize) {
        return new DatabaseConfig(jdbcUrl(database), user, password, poolSize, 5_000, 60_000);
    }

    public HikariDataSource pool(String database, int poolSize) {
        return Pools.open("test-" + database, config(database, poolSize));
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    private void admin(String sql) {
        try (Connection connection = DriverManager.getConnection(serverUrl, user, password);
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
