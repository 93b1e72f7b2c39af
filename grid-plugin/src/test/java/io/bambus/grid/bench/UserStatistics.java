package io.bambus.grid.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * What the database server counts per user: statements, from MariaDB's user statistics
 * ({@code userstat}, switched on while this is open and restored on close), and connections with
 * their client ports, from the processlist. Read through {@code admin}, a user the bus does not use.
 */
final class UserStatistics implements AutoCloseable {

    /** Statements a user ran, as the server counts them, and the server-wide pings beside them. */
    record Commands(long selects, long updates, long others, long serverPings) {
        long total() {
            return selects + updates + others;
        }

        Commands since(Commands earlier) {
            return new Commands(selects - earlier.selects, updates - earlier.updates, others - earlier.others,
                    serverPings - earlier.serverPings);
        }
    }

    private final DataSource admin;
    private final String userstatBefore;

    private UserStatistics(DataSource admin, String userstatBefore) {
        this.admin = admin;
        this.userstatBefore = userstatBefore;
    }

    /** Switches userstat on; null when the server has none (not MariaDB): nothing is counted per user then. */
    static UserStatistics open(DataSource admin) {
        try (Connection connection = admin.getConnection(); Statement statement = connection.createStatement()) {
            String before;
            try (ResultSet row = statement.executeQuery("SELECT @@GLOBAL.userstat")) {
                row.next();
                before = row.getString(1);
            }
            statement.execute("SET GLOBAL userstat = 1");
            return new UserStatistics(admin, before);
        } catch (SQLException e) {
            System.out.println("(no per-user statistics on this server: " + e.getMessage() + ")");
            return null;
        }
    }

    /**
     * {@code user}'s SELECT, UPDATE (any write) and other statements (SET, COMMIT, …) so far, and
     * the server's Com_admin_commands: pings (a pool's connection check) are not statements, and
     * the server counts them for all users together only.
     */
    Commands commands(String user) throws SQLException {
        try (Connection connection = admin.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT SELECT_COMMANDS, UPDATE_COMMANDS, OTHER_COMMANDS"
                     + " FROM information_schema.USER_STATISTICS WHERE USER = ?");
             Statement status = connection.createStatement()) {
            select.setString(1, user);
            long selects = 0;
            long updates = 0;
            long others = 0;
            try (ResultSet row = select.executeQuery()) {
                if (row.next()) {
                    selects = row.getLong(1);
                    updates = row.getLong(2);
                    others = row.getLong(3);
                }
            }
            try (ResultSet row = status.executeQuery("SHOW GLOBAL STATUS LIKE 'Com_admin_commands'")) {
                return new Commands(selects, updates, others, row.next() ? row.getLong(2) : 0);
            }
        }
    }

    /** The client ports of {@code user}'s open connections (TCP clients; the processlist's host is ADDRESS:PORT). */
    static List<Integer> clientPorts(DataSource admin, String user) throws SQLException {
        List<Integer> ports = new ArrayList<>();
        try (Connection connection = admin.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT HOST FROM information_schema.PROCESSLIST WHERE USER = ?")) {
            select.setString(1, user);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    String host = rows.getString(1);
                    int colon = host == null ? -1 : host.lastIndexOf(':');
                    ports.add(colon < 0 ? -1 : Integer.parseInt(host.substring(colon + 1)));
                }
            }
        }
        return ports;
    }

    /** How many of {@code ports} each process holds ({@code byPort}: local port to pid); -1 counts the others. */
    static Map<Long, Integer> byProcess(List<Integer> ports, Map<Integer, Long> byPort) {
        Map<Long, Integer> counts = new HashMap<>();
        for (int port : ports) {
            counts.merge(byPort.getOrDefault(port, -1L), 1, Integer::sum);
        }
        return counts;
    }

    @Override
    public void close() {
        try (Connection connection = admin.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("SET GLOBAL userstat = " + ("1".equals(userstatBefore) || "ON".equalsIgnoreCase(userstatBefore) ? 1 : 0));
        } catch (SQLException e) {
            System.err.println("could not restore userstat: " + e.getMessage());
        }
    }
}
