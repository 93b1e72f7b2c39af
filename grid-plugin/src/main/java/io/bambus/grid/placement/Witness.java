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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * <p>A side that does not hold the lease may still win when every member it lost refuses
 * connections on its member port and the lease's holder has stopped renewing it
 * ({@value #SILENT_MILLIS} ms without a renewal): a killed member (kill -9 on a live host) then
 * costs about a second, not a whole lease. A refusal alone proves nothing (a firewall that rejects
 * instead of dropping refuses too, and the other side keeps renewing); a probe that times out (a
 * cut, a dead host) or connects (a paused process: its kernel still accepts) proves nothing either.
 * An answer counts as "held" only for the lease time left when it was asked, less
 * {@value #MARGIN_MILLIS} ms.
 *
 * <p>The lease is read and written on a thread of its own (every {@value #RENEW_MILLIS} ms), so a
 * slow or unreachable destination never holds up the placement loop; the loop reads the last
 * answer (one about another side, or a stale one, counts as "not won"). Owned and
 * closed by the placement loop.
 */
final class Witness implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(Witness.class);
    /** How long a lease lasts after its last renewal. */
    static final long LEASE_MILLIS = 3_000;
    /** How often the lease is renewed (or read). */
    static final long RENEW_MILLIS = 500;
    /** Taken off the lease time an answer reported: the answer counts as "held" until then. */
    static final long MARGIN_MILLIS = 500;
    /** A holder whose lease has not been renewed for this long has stopped renewing it. */
    static final long SILENT_MILLIS = 1_200;
    /** How long a probe of a lost member's port may take. */
    private static final int PROBE_MILLIS = 500;
    /** How long the placement loop waits for a first answer about a side it has just become. */
    private static final long SETTLE_WAIT_MILLIS = 1_000;

    private final DataSource destination;
    private final String cluster;
    private final ScheduledExecutorService thread;
    private boolean tableReady;
    private String lastError;
    /** This member's side (its oldest member's uuid), and whether this member renews the lease for it. */
    private volatile String side;
    private volatile boolean renewing;
    private volatile Answer answer;
    /** The holder and expiry last read, and when they last changed (the witness thread's own). */
    private String seenHolder;
    private String seenExpiry;
    private long seenChangedNanos;

    /**
     * What the lease said for {@code side} at {@code askedNanos}: {@code held} until
     * {@code heldUntilNanos}; otherwise whether no other side renews it ({@code othersSilent}).
     */
    private record Answer(String side, boolean held, long heldUntilNanos, boolean othersSilent, long askedNanos) {
    }

    Witness(DataSource destination, String cluster) {
        this.destination = destination;
        this.cluster = cluster;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bambus-witness");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::renew, 0, RENEW_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * The placement loop says, every round, which side this member is on and whether it renews the
     * lease for that side. When the side changed (the oldest member was lost), it waits up to
     * {@value #SETTLE_WAIT_MILLIS} ms for an answer about the new side, so that a survivor does not
     * judge a split by the old side's answer.
     */
    void side(String side, boolean renewing) {
        this.side = side;
        this.renewing = renewing;
        Answer last = answer;
        if (last == null || !last.side().equals(side)) {
            try {
                thread.submit(this::renew).get(SETTLE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | java.util.concurrent.RejectedExecutionException e) {
                // no answer yet: the split counts as not won until one comes
            }
        }
    }

    /** Whether {@code side} holds the lease, by an answer about that side that is still good. */
    boolean sideHolds(String side) {
        Answer last = answer;
        return last != null && last.held() && last.side().equals(side) && System.nanoTime() < last.heldUntilNanos();
    }

    /** Whether no other side renews the lease: it has none, or its holder stopped renewing, by a fresh answer. */
    boolean othersSilent(String side) {
        Answer last = answer;
        return last != null && !last.held() && last.side().equals(side) && last.othersSilent()
                && System.nanoTime() - last.askedNanos() < RENEW_MILLIS * 3 * 1_000_000;
    }

    private void renew() {
        String current = side;
        if (current == null) {
            return;
        }
        try {
            answer = ask(current, renewing);
        } catch (RuntimeException | Error e) {
            // never let the schedule die: a side that stops asking can never win a split again
            LOG.warn("The split witness could not be asked: {}", e.toString());
            answer = new Answer(current, false, 0, false, System.nanoTime());
        }
    }

    /** Takes or renews the lease for {@code side} when {@code take}, then reads it. */
    private Answer ask(String side, boolean take) {
        long started = System.nanoTime();
        try (Connection connection = destination.getConnection()) {
            ensureTable(connection);
            if (take) {
                take(connection, side);
            }
            // the database's clock alone says when a lease runs out: the members' clocks may differ
            try (PreparedStatement select = connection.prepareStatement("SELECT holder, CAST(expires_at AS CHAR),"
                    + " TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), expires_at) FROM bam_witness WHERE cluster = ?")) {
                select.setString(1, cluster);
                try (ResultSet row = select.executeQuery()) {
                    long now = System.nanoTime();
                    if (!row.next()) {
                        return ok(new Answer(side, false, 0, true, now));
                    }
                    String holder = row.getString(1);
                    String expiry = row.getString(2);
                    long leftMicros = row.getLong(3);
                    if (!holder.equals(seenHolder) || !expiry.equals(seenExpiry)) {
                        seenHolder = holder;
                        seenExpiry = expiry;
                        seenChangedNanos = now;
                    }
                    boolean live = leftMicros > 0;
                    if (live && holder.equals(side)) {
                        long goodNanos = Math.min(leftMicros * 1_000, LEASE_MILLIS * 1_000_000) - MARGIN_MILLIS * 1_000_000;
                        return ok(new Answer(side, goodNanos > 0, started + goodNanos, false, now));
                    }
                    boolean silent = !live || now - seenChangedNanos >= SILENT_MILLIS * 1_000_000;
                    return ok(new Answer(side, false, 0, silent, now));
                }
            }
        } catch (SQLException e) {
            failed(e);
            return new Answer(side, false, 0, false, System.nanoTime());
        }
    }

    private void take(Connection connection, String side) throws SQLException {
        try (PreparedStatement renew = connection.prepareStatement("UPDATE bam_witness SET holder = ?, expires_at ="
                + " UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND WHERE cluster = ? AND (holder = ? OR expires_at < UTC_TIMESTAMP(6))")) {
            renew.setString(1, side);
            renew.setLong(2, LEASE_MILLIS * 1_000);
            renew.setString(3, cluster);
            renew.setString(4, side);
            if (renew.executeUpdate() == 1) { // Connector/J counts matched rows: a renewal counts
                return;
            }
        }
        try (PreparedStatement first = connection.prepareStatement("INSERT IGNORE INTO bam_witness (cluster, holder,"
                + " expires_at) VALUES (?, ?, UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND)")) {
            first.setString(1, cluster);
            first.setString(2, side);
            first.setLong(3, LEASE_MILLIS * 1_000);
            first.executeUpdate();
        }
    }

    /**
     * Whether nothing listens on {@code address} (the connection is refused; by its type, not its
     * text), probed from {@code from}, the address this member's cluster traffic leaves from.
     */
    static boolean refused(java.net.InetAddress from, InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(address, PROBE_MILLIS);
            return false; // something accepts: alive, or a paused process whose kernel still does
        } catch (ConnectException e) {
            return true; // refused (or rejected by a firewall: the lease's renewals tell those apart)
        } catch (IOException e) {
            return false; // no answer: a cut or a dead host, which the lease decides
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void ensureTable(Connection connection) throws SQLException {
        if (!tableReady) {
            DestinationSchema.create(connection);
            tableReady = true;
        }
    }

    private Answer ok(Answer result) {
        if (lastError != null) {
            LOG.info("The split witness (bam_witness in the destination) is reachable again");
            lastError = null;
        }
        return result;
    }

    private void failed(SQLException e) {
        if (lastError == null) {
            LOG.warn("The split witness (bam_witness in the destination) cannot be reached: {}; in an even split this side"
                    + " does not run sessions until it can", e.getMessage());
        }
        lastError = e.getMessage();
    }
}
