package io.bambus.cli;

import io.bambus.core.config.DatabaseConfig;
import io.bambus.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * An empty database {@code <destination>_bambus_<purpose>_check} beside the destination, on its
 * server and for its user, for a check that must not touch the destination; dropped on close.
 */
final class ScratchDatabase implements AutoCloseable {

    private final DataSource live;
    private final String name;
    private final DatabaseConfig config;

    private ScratchDatabase(DataSource live, String name, DatabaseConfig config) {
        this.live = live;
        this.name = name;
        this.config = config;
    }

    /** Creates it afresh (a leftover of an interrupted check is dropped first). */
    static ScratchDatabase create(DatabaseConfig destination, DataSource live, String purpose) throws SQLException {
        DumpTool.Target target = DumpTool.target(destination.jdbcUrl());
        String suffix = "_bambus_" + purpose + "_check";
        String name = target.database().substring(0, Math.min(target.database().length(), 64 - suffix.length())) + suffix;
        execute(live, "DROP DATABASE IF EXISTS " + Identifiers.quote(name));
        execute(live, "CREATE DATABASE " + Identifiers.quote(name));
        DatabaseConfig config = new DatabaseConfig("jdbc:mysql://" + target.host() + ":" + target.port() + "/" + name,
                destination.username(), destination.password(), 2, destination.connectTimeoutMillis(),
                destination.socketTimeoutMillis());
        return new ScratchDatabase(live, name, config);
    }

    String name() {
        return name;
    }

    String quoted() {
        return Identifiers.quote(name);
    }

    /** How to reach it: the destination's server and user, a pool of two. */
    DatabaseConfig config() {
        return config;
    }

    @Override
    public void close() throws SQLException {
        execute(live, "DROP DATABASE IF EXISTS " + quoted());
    }

    private static void execute(DataSource pool, String sql) throws SQLException {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
