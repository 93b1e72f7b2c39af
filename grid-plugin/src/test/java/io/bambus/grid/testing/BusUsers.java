package io.bambus.grid.testing;

import io.bambus.core.testing.TestDatabase;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;

/**
 * Two database users of the bus's own, one for the destination and one for the sources, with
 * the rights the README names and a random password that is never printed: the server then
 * counts per user what the members do (connections, statements). Close it to drop both.
 */
public final class BusUsers implements AutoCloseable {

    private final TestDatabase server;
    private final String destinationUser;
    private final String sourceUser;
    private final String password;

    private BusUsers(TestDatabase server, String suffix) {
        this.server = server;
        this.destinationUser = "bambus_dst_" + suffix;
        this.sourceUser = "bambus_src_" + suffix;
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        this.password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /**
     * Creates the users: ALL on {@code destinationDb}; SELECT, INSERT, UPDATE, DELETE on
     * {@code sourceDb} (no CREATE: the source's bam_outbox_owner table must exist already).
     */
    public static BusUsers create(TestDatabase server, String destinationDb, String sourceDb) throws SQLException {
        BusUsers users = new BusUsers(server, String.valueOf(ProcessHandle.current().pid()));
        try {
            users.admin("CREATE USER '" + users.destinationUser + "'@'%' IDENTIFIED BY '" + users.password + "'",
                    "GRANT ALL ON `" + destinationDb + "`.* TO '" + users.destinationUser + "'@'%'",
                    "CREATE USER '" + users.sourceUser + "'@'%' IDENTIFIED BY '" + users.password + "'",
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON `" + sourceDb + "`.* TO '" + users.sourceUser + "'@'%'");
        } catch (SQLException e) {
            users.close();
            // the statements hold the password: the message names the cause only
            throw new SQLException("could not create the bus's database users: " + e.getMessage().replace(users.password, "****"),
                    e.getSQLState(), e.getErrorCode());
        }
        return users;
    }

    public String destinationUser() {
        return destinationUser;
    }

    public String sourceUser() {
        return sourceUser;
    }

    /** Both users' password (the bus file needs it): never print it. */
    public String password() {
        return password;
    }

    private void admin(String... statements) throws SQLException {
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(""), server.user(), server.password());
             Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    @Override
    public void close() {
        try {
            admin("DROP USER IF EXISTS '" + destinationUser + "'@'%'", "DROP USER IF EXISTS '" + sourceUser + "'@'%'");
        } catch (SQLException e) {
            System.err.println("could not drop the users " + destinationUser + " and " + sourceUser + ": " + e.getMessage());
        }
    }
}
