package io.bambus.bench.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The benchmark's peer: what a user builds instead of the bus from Debezium's embedded engine. One
 * engine per source reads {@code bam_outbox} inserts from the MariaDB binary log and applies them
 * to the destination's activity tables with plain JDBC, one transaction per Debezium batch.
 * At-least-once: after a crash the events applied since the last offset flush are applied again.
 *
 * <p>Standard output carries only {@code PEER STREAMING <id>} (once per source, when its engine
 * reads the binlog) and {@code PEER STOPPED} (after SIGTERM, once every engine flushed its
 * offsets). Logs go to standard error. Exit code 2: a bad argument; 1: an engine failed.
 */
public final class DebeziumPeer {

    static {
        // before anything touches java.util.logging (the binlog client logs through it): route it into Log4j2
        System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
    }

    private static final Logger LOG = LogManager.getLogger(DebeziumPeer.class);
    private static final long STREAMING_CHECK_MILLIS = 20;

    private final List<SourceEngine> engines = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    /** The first engine failure; the main thread waits for it. */
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final CountDownLatch failed = new CountDownLatch(1);

    private DebeziumPeer() {
    }

    public static void main(String[] args) throws InterruptedException {
        int code;
        try {
            code = new DebeziumPeer().run(PeerConfig.parse(args));
        } catch (PeerConfig.BadArgumentException e) {
            System.err.println("DebeziumPeer: " + e.getMessage());
            System.err.println(PeerConfig.USAGE);
            code = 2;
        }
        System.exit(code);
    }

    private int run(PeerConfig config) throws InterruptedException, PeerConfig.BadArgumentException {
        try {
            checkDatabases(config);
            Files.createDirectories(config.stateDir());
            DestinationWriter.createAuditTable(config);
        } catch (IOException | SQLException e) {
            LOG.error("Cannot start: {}", e.toString());
            return 1;
        }
        for (int i = 0; i < config.sources().size(); i++) {
            String id = config.sources().get(i).id();
            engines.add(new SourceEngine(config, i, (success, message, error) -> {
                // an engine that ends while the peer is not stopping has failed, whatever it says
                if (!stopping.get() && failure.compareAndSet(null, "source " + id + ": " + message)) {
                    failed.countDown();
                }
            }));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (stop()) {
                say("PEER STOPPED");
            }
        }, "peer-stop"));
        engines.forEach(SourceEngine::start);
        Thread announcer = new Thread(this::announceStreaming, "peer-streaming");
        announcer.setDaemon(true);
        announcer.start();
        LOG.info("Peer started: {} source(s) into {}, batch {}, poll {} ms, offset flush {} ms, state in {}", engines.size(),
                config.destination(), config.batch(), config.pollMillis(), config.flushMillis(), config.stateDir());
        // a clean stop (SIGTERM) ends the JVM through the shutdown hook; this returns only on a failure
        failed.await();
        LOG.error("Peer stops: {}", failure.get());
        return 1;
    }

    /** Refuses databases the server lacks: Debezium would stream nothing from them, without a word. */
    private static void checkDatabases(PeerConfig config) throws SQLException, PeerConfig.BadArgumentException {
        try (Connection connection = DriverManager.getConnection(config.jdbcUrl(""), config.user(), config.password())) {
            for (PeerConfig.Source source : config.sources()) {
                if (count(connection, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?"
                        + " AND table_name = 'bam_outbox'", source.database()) == 0) {
                    throw new PeerConfig.BadArgumentException("--source " + source.id() + "=" + source.database()
                            + ": the server has no table " + source.database() + ".bam_outbox");
                }
            }
            if (count(connection, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", config.destination()) == 0) {
                throw new PeerConfig.BadArgumentException("--destination " + config.destination() + ": the server has no such database");
            }
        }
    }

    private static long count(Connection connection, String sql, String parameter) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? row.getLong(1) : 0;
            }
        }
    }

    /** Prints each source's line once its engine reads the binlog; ends when all did or the peer stops. */
    private void announceStreaming() {
        List<SourceEngine> waiting = new ArrayList<>(engines);
        while (!waiting.isEmpty() && !stopping.get()) {
            waiting.removeIf(engine -> {
                if (engine.streaming()) {
                    say("PEER STREAMING " + engine.source.id());
                    return true;
                }
                return false;
            });
            try {
                Thread.sleep(STREAMING_CHECK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops every engine at once; true for a clean stop (no engine had failed). Once only. */
    private boolean stop() {
        if (!stopping.compareAndSet(false, true)) {
            return false;
        }
        List<Thread> stops = new ArrayList<>();
        for (SourceEngine engine : engines) {
            Thread stop = new Thread(engine::stop, "peer-stop-" + engine.source.id());
            stop.start();
            stops.add(stop);
        }
        for (Thread stop : stops) {
            try {
                stop.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return failure.get() == null;
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
