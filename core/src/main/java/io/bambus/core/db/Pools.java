package io.bambus.core.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.config.DatabaseConfig;

/** HikariCP pools with the Connector/J settings the bus relies on. The caller owns and closes the pool. */
public final class Pools {

    private Pools() {
    }

    public static HikariDataSource open(String poolName, DatabaseConfig database) {
        return open(poolName, database, false);
    }

    /** A pool whose connections are read-only when {@code readOnly} (the server refuses writes through them). */
    public static HikariDataSource open(String poolName, DatabaseConfig database, boolean readOnly) {
        return new HikariDataSource(config(poolName, database, readOnly));
    }

    /** The settings of {@link #open}, for a caller that changes some before it opens the pool. */
    static HikariConfig config(String poolName, DatabaseConfig database, boolean readOnly) {
        HikariConfig config = new HikariConfig();
        config.setReadOnly(readOnly);
        config.setPoolName(poolName);
        config.setJdbcUrl(database.jdbcUrl());
        config.setUsername(database.username());
        config.setPassword(database.password());
        config.setMaximumPoolSize(database.poolSize());
        config.setMinimumIdle(Math.min(1, database.poolSize()));
        config.setConnectionTimeout(database.connectTimeoutMillis());
        // explicit, not read from the first connection: under load that lookup returned -1 and
        // left the pool refusing every new connection for its whole life (Scale benchmark, 1,000 sessions)
        config.setTransactionIsolation("TRANSACTION_REPEATABLE_READ");
        // a pool that cannot connect at start still opens: an outage pauses sessions, it does not stop members
        config.setInitializationFailTimeout(-1);
        // batched inserts become multi-row statements: the applier's one round trip per table
        config.addDataSourceProperty("rewriteBatchedStatements", "true");
        config.addDataSourceProperty("cachePrepStmts", "true");
        config.addDataSourceProperty("prepStmtCacheSize", "256");
        config.addDataSourceProperty("prepStmtCacheSqlLimit", "4096");
        // autocommit and isolation are set only through JDBC here, so the driver knows them and sends a SET only
        // for a change (by default it sends one for every call, and HikariCP's reset sends another)
        config.addDataSourceProperty("useLocalSessionState", "true");
        // ...which takes a new session's autocommit for on without asking: a server whose sessions start without it
        // (autocommit=0 in its configuration) would leave the bus's autocommit statements uncommitted, holding locks
        config.setConnectionInitSql("SET autocommit=1");
        config.addDataSourceProperty("connectTimeout", String.valueOf(database.connectTimeoutMillis()));
        // a hung server must fail a statement, not block a session forever
        config.addDataSourceProperty("socketTimeout", String.valueOf(database.socketTimeoutMillis()));
        config.addDataSourceProperty("tcpKeepAlive", "true");
        return config;
    }
}
