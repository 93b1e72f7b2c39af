package io.bambus.bench.peer;

import io.bambus.core.event.DecodedEvent;
import io.bambus.core.session.SeqRanges;
import io.bambus.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Applies the outbox events of one source, a Debezium batch at a time: one destination
 * transaction per batch, the events in order, then one audit row, then commit. A batch whose
 * transaction fails (lost connection, deadlock) is retried whole on a new connection a few times;
 * an event that cannot apply is logged, counted and skipped. The tables of an activity are looked
 * up once per connection: an activity deployed after the peer met an event of it is seen after a
 * restart (or a reconnect).
 */
final class DestinationWriter implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(DestinationWriter.class);
    private static final int ATTEMPTS = 5;

    /**
     * One row per committed batch, in the batch's own transaction, naming the source seqs it
     * applied: the benchmark counts from it the events applied twice after a kill -9 (a seq in two
     * rows) and the events per second. It costs one small insert per batch.
     */
    static final String AUDIT_DDL = "CREATE TABLE IF NOT EXISTS bam_peer_batches (\n"
            + "  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
            + "  source       VARCHAR(64)  NOT NULL,\n"
            + "  first_seq    BIGINT       NOT NULL,\n"
            + "  last_seq     BIGINT       NOT NULL,\n"
            + "  events       INT          NOT NULL,\n"
            + "  seqs         MEDIUMTEXT   NOT NULL,\n"
            + "  committed_at DATETIME(6)  NOT NULL\n"
            + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

    private final PeerConfig config;
    private final String source;
    private Connection connection;
    private PreparedStatement audit;
    /** By activity name as events spell it; null when the destination has no such activity. */
    private final Map<String, ActivityApplier> activities = new HashMap<>();
    private long applied;
    private long failed;
    private long batches;

    DestinationWriter(PeerConfig config, String source) {
        this.config = config;
        this.source = source;
    }

    static Connection connect(PeerConfig config) throws SQLException {
        // rewriteBatchedStatements: what every MySQL sink sets; useLocalSessionState: no SET round trip per commit
        Connection connection = DriverManager.getConnection(config.jdbcUrl(config.destination())
                + "?rewriteBatchedStatements=true&useLocalSessionState=true&tcpKeepAlive=true", config.user(), config.password());
        // no gap locks: the engines of several sources write the same activity tables at once
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        return connection;
    }

    static void createAuditTable(PeerConfig config) throws SQLException {
        try (Connection connection = connect(config); Statement statement = connection.createStatement()) {
            statement.execute(AUDIT_DDL);
        }
    }

    /** Applies {@code events} (one Debezium batch, in source order) in one transaction; retries it whole on failure. */
    void write(List<DecodedEvent> events) throws SQLException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                writeOnce(events);
                return;
            } catch (SQLException e) {
                // what the failed transaction put in the caches is gone with it: start over from the tables
                drop();
                if (attempt == ATTEMPTS) {
                    throw e;
                }
                LOG.warn("Source {}: batch of seqs {}..{} failed ({}), retrying ({} of {})", source, events.get(0).seq(),
                        events.get(events.size() - 1).seq(), e.getMessage(), attempt + 1, ATTEMPTS);
                Thread.sleep(100L * attempt);
            }
        }
    }

    private void writeOnce(List<DecodedEvent> events) throws SQLException {
        if (connection == null) {
            connection = connect(config);
            connection.setAutoCommit(false);
            audit = connection.prepareStatement("INSERT INTO bam_peer_batches (source, first_seq, last_seq, events, seqs,"
                    + " committed_at) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))");
        }
        List<String> refusals = new ArrayList<>();
        long[] seqs = new long[events.size()];
        for (int i = 0; i < seqs.length; i++) {
            DecodedEvent event = events.get(i);
            seqs[i] = event.seq();
            String refusal = event.failed() ? event.failure() : apply(event);
            if (refusal != null) {
                refusals.add("Source " + source + ": event seq " + event.seq() + " skipped: " + Identifiers.escaped(refusal, 300));
            }
        }
        SeqRanges ranges = SeqRanges.of(seqs);
        audit.setString(1, source);
        audit.setLong(2, ranges.from(0));
        audit.setLong(3, ranges.max());
        audit.setInt(4, seqs.length);
        audit.setString(5, ranges.toString());
        audit.executeUpdate();
        connection.commit();
        // logged once committed: a retried batch would log them twice
        refusals.forEach(LOG::warn);
        applied += seqs.length - refusals.size();
        failed += refusals.size();
        batches++;
    }

    /** Applies one event; returns why it was skipped, or null. */
    private String apply(DecodedEvent event) throws SQLException {
        ActivityApplier applier = activities.get(event.activity());
        if (applier == null && !activities.containsKey(event.activity())) {
            applier = ActivityApplier.open(connection, event.activity());
            activities.put(event.activity(), applier);
        }
        if (applier == null) {
            return "the destination has no activity '" + Identifiers.printable(event.activity()) + "'";
        }
        try {
            applier.apply(event);
            return null;
        } catch (ActivityApplier.RefusedEventException e) {
            return e.getMessage();
        } catch (SQLException e) {
            // a value the column refuses (22: data, 23: constraint) fails this statement only, not the transaction
            String state = e.getSQLState();
            if (state != null && (state.startsWith("22") || state.startsWith("23"))) {
                return "the destination refused it: " + e.getMessage();
            }
            throw e;
        }
    }

    /** Events applied, events skipped, batches committed: for the log at stop. */
    String counts() {
        return applied + " events applied, " + failed + " skipped, " + batches + " batches";
    }

    private void drop() {
        activities.values().forEach(applier -> {
            if (applier != null) {
                applier.close();
            }
        });
        activities.clear();
        if (connection != null) {
            try {
                connection.rollback();
            } catch (SQLException e) {
                LOG.debug("Source {}: rollback on a failed connection: {}", source, e.getMessage());
            }
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("Source {}: close of a failed connection: {}", source, e.getMessage());
            }
        }
        connection = null;
        audit = null;
    }

    @Override
    public void close() {
        drop();
    }
}
