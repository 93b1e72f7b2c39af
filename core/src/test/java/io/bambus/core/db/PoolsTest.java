package io.bambus.core.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.config.DatabaseConfig;
import io.bambus.core.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pools' connections are what the bus believes they are, whatever the server's defaults. */
class PoolsTest {

    private final TestDatabase server = TestDatabase.get();
    private final String database = server.create("pools");

    @AfterEach
    void tearDown() {
        server.drop(database);
    }

    /**
     * The drivers keep session state locally, so a server whose sessions start without autocommit
     * (a DBA's {@code autocommit=0}; here the URL's session variables do it) would leave a statement
     * the bus runs in autocommit uncommitted, holding its locks. A pool's connections commit each
     * statement.
     */
    @Test
    void aStatementInAutocommitCommitsWhenTheServerStartsSessionsWithoutIt() throws Exception {
        try (Connection admin = DriverManager.getConnection(server.jdbcUrl(database), server.user(), server.password());
             Statement statement = admin.createStatement()) {
            statement.execute("CREATE TABLE t (id INT PRIMARY KEY)");
        }
        DatabaseConfig config = new DatabaseConfig(server.jdbcUrl(database) + "?sessionVariables=autocommit=0", server.user(),
                server.password(), 1, 5_000, 60_000);
        try (HikariDataSource pool = Pools.open("pools-test", config)) {
            try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
                statement.executeUpdate("INSERT INTO t VALUES (1)");
            }
            try (Connection other = DriverManager.getConnection(server.jdbcUrl(database), server.user(), server.password());
                 Statement statement = other.createStatement();
                 ResultSet row = statement.executeQuery("SELECT COUNT(*) FROM t")) {
                row.next();
                assertEquals(1, row.getInt(1), "the insert was left uncommitted on the pooled connection");
            }
        }
    }
}
