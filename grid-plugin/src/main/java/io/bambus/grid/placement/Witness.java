package io.bambus.grid.placement;

import io.bambus.core.schema.DestinationSchema;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Decides an even split (one of two members, two of four), where no side has a majority, as a
 * failover cluster's disk witness does: a lease row in the destination database, {@code bam_witness},
 * one per cluster. The oldest member of each side renews it every round for its side (named by that
 * member's uuid) while it holds it, and takes it once it has run out ({@value #LEASE_MILLIS} ms
 * after the last renewal, by the database's clock); the side whose oldest member holds it runs,
 * the other stops. Both sides reach the destination or neither can commit anyway.
 *
 * <p>Before the lease is asked, the lost members' member ports are probed: a refused connection
 * means no process listens there (a killed member: kill -9 on a live host), which no network cut
 * can look like, so the side runs at once instead of waiting out a dead member's lease. A probe
 * that times out (a cut, a frozen host) or connects (a paused process: the kernel still accepts)
 * proves nothing.
 *
 * <p>The lease is read and written on a thread of its own (every {@value #RENEW_MILLIS} ms), so a
 * slow or unreachable destination never holds up the placement loop; the loop reads the last
 * answer, and an answer older than {@value #STALE_MILLIS} ms counts as "not held". Owned and
 * closed by the placement loop.
 */
final class Witness implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(Witness.class);
    /** How long a lease lasts after its last renewal (renewed every placement round, 500 ms). */
    static final long LEASE_MILLIS = 3_000;
    /** How often the lease is renewed (or read). */
    static final long RENEW_MILLIS = 500;
    /** An answer about the lease older than this is no answer. */
    static final long STALE_MILLIS = 1_500;
    /** How long a probe of a lost member's port may take. */
    private static final int PROBE_MILLIS = 500;

    private final DataSource destination;
    private final String cluster;
    private final java.util.concurrent.ScheduledExecutorService thread;
    private boolean tableReady;
    private String lastError;
    /** This member's side (its oldest member's uuid), and whether this member is that oldest member. */
    private volatile String side;
    private volatile boolean oldest;
    /** The last answer: whether a side held the lease, and when (nanos) it was given; null before the first. */
    private volatile Answer answer;

    private record Answer(String side, boolean held, long nanos) {
    }

    Witness(DataSource destination, String cluster) {
        this.destination = destination;
        this.cluster = cluster;
        this.thread = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bambus-witness");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::renew, 0, RENEW_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** The placement loop tells, every round, which side this member is on and whether it renews the lease for it. */
    void side(String side, boolean oldest) {
        this.side = side;
        this.oldest = oldest;
    }

    /**
     * Whether {@code side} held the lease at an answer given for that side less than
     * {@value #STALE_MILLIS} ms ago (an answer for the side of an earlier view does not count).
     */
    boolean sideHolds(String side) {
        Answer last = answer;
        return last != null && last.held() && last.side().equals(side)
                && System.nanoTime() - last.nanos() < STALE_MILLIS * 1_000_000;
    }

    private void renew() {
        String current = side;
        if (current == null) {
            return;
        }
        answer = new Answer(current, oldest ? hold(current) : heldBy(current), System.nanoTime());
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes or renews the lease for {@code side}; true when {@code side} holds it now. */
    private boolean hold(String side) {
        try (Connection connection = destination.getConnection()) {
            ensureTable(connection);
            // the database's clock alone says when a lease ran out: the members' clocks may differ
            try (PreparedStatement renew = connection.prepareStatement("UPDATE bam_witness SET holder = ?, expires_at ="
                    + " UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND WHERE cluster = ? AND (holder = ? OR expires_at < UTC_TIMESTAMP(6))")) {
                renew.setString(1, side);
                renew.setLong(2, LEASE_MILLIS * 1_000);
                renew.setString(3, cluster);
                renew.setString(4, side);
                if (renew.executeUpdate() == 1) { // Connector/J counts matched rows: a renewal counts
                    return ok(true);
                }
            }
            try (PreparedStatement first = connection.prepareStatement("INSERT IGNORE INTO bam_witness (cluster, holder,"
                    + " expires_at) VALUES (?, ?, UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND)")) {
                first.setString(1, cluster);
                first.setString(2, side);
                first.setLong(3, LEASE_MILLIS * 1_000);
                return ok(first.executeUpdate() == 1);
            }
        } catch (SQLException e) {
            return failed(e);
        }
    }

    /** Whether {@code side} holds the lease now (for the members of a side other than its oldest). */
    private boolean heldBy(String side) {
        try (Connection connection = destination.getConnection()) {
            ensureTable(connection);
            try (PreparedStatement select = connection.prepareStatement("SELECT holder = ? AND expires_at >= UTC_TIMESTAMP(6)"
                    + " FROM bam_witness WHERE cluster = ?")) {
                select.setString(1, side);
                select.setString(2, cluster);
                try (ResultSet row = select.executeQuery()) {
                    return ok(row.next() && row.getBoolean(1));
                }
            }
        } catch (SQLException e) {
            return failed(e);
        }
    }

    /** Whether nothing listens on {@code address} any more (the connection is refused): its member is dead. */
    static boolean refused(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, PROBE_MILLIS);
            return false; // something accepts: alive, or a paused process whose kernel still does
        } catch (ConnectException e) {
            return e.getMessage() != null && e.getMessage().contains("refused");
        } catch (IOException e) {
            return false; // no answer: a cut or a dead host, which a lease decides
        }
    }

    private void ensureTable(Connection connection) throws SQLException {
        if (!tableReady) {
            DestinationSchema.create(connection);
            tableReady = true;
        }
    }

    private boolean ok(boolean result) {
        if (lastError != null) {
            LOG.info("The split witness (bam_witness in the destination) is reachable again");
            lastError = null;
        }
        return result;
    }

    private boolean failed(SQLException e) {
        if (lastError == null) {
            LOG.warn("The split witness (bam_witness in the destination) cannot be reached: {}; in an even split this side"
                    + " does not run sessions until it can", e.getMessage());
        }
        lastError = e.getMessage();
        return false;
    }
}
