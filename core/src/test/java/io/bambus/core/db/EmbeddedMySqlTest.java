package io.bambus.core.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.config.DatabaseConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The fresh-machine path: always starts the embedded server, whatever the suite's fixture uses. */
class EmbeddedMySqlTest {

    @Test
    void embeddedServerStartsAndRunsTransactions() throws Exception {
        try (EmbeddedMySql server = EmbeddedMySql.start(0, null);
             HikariDataSource pool = Pools.open("embedded-test",
                     new DatabaseConfig(server.jdbcUrl("demo"), "root", "", 2, 5_000, 60_000));
             Connection connection = pool.getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB");
            connection.setAutoCommit(false);
            statement.execute("INSERT INTO t VALUES (1)");
            connection.rollback();
            statement.execute("INSERT INTO t VALUES (2)");
            connection.commit();
            try (ResultSet rows = statement.executeQuery("SELECT GROUP_CONCAT(id), VERSION() FROM t")) {
                rows.next();
                assertEquals("2", rows.getString(1));
                assertTrue(rows.getString(2).contains("MariaDB"), rows.getString(2));
            }
        }
    }
}
