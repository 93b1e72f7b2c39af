package io.bambus.core.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.config.DatabaseConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The member's connections to its sources: one pool per server and user, shared by every session
 * whose outbox lives on that server (a database per tenant or site is hundreds of outboxes on a
 * few servers), so connections follow the sessions working at once, not the sessions there are.
 * Pools keep no idle connection ({@link #IDLE_TIMEOUT_MILLIS}) and share one housekeeping thread.
 * A source whose URL names no plain database gets a pool of its own. Owned and closed by the member.
 */
public final class SourcePools implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(SourcePools.class);
    /** An unused connection is closed after this long (HikariCP's lowest allowed idle timeout is 10 s). */
    static final long IDLE_TIMEOUT_MILLIS = 30_000;
    /**
     * {@code jdbc:mysql://hosts/database?properties}: the part before the database, the database, the
     * rest. Only a database name the bus's identifier check accepts is shared; any other keeps its
     * own pool with the database in its URL, as before.
     */
    private static final Pattern URL = Pattern.compile("(jdbc:(?:mysql|mariadb)(?::[a-z]+)?(?:\\+srv)?://[^/?#]+)/([A-Za-z][A-Za-z0-9_]{0,63})(\\?[^#]*)?");

    /** What one lease gives a session: the pool, and the database its tables must be qualified with (null: the URL's). */
    public record Lease(DataSource pool, String database, Runnable release) {
    }

    private record Key(String serverUrl, String username, String password, int connectTimeoutMillis, int socketTimeoutMillis) {
    }

    private static final class Shared {
        final HikariDataSource pool;
        int leases;

        Shared(HikariDataSource pool) {
            this.pool = pool;
        }
    }

    private final int maxConnections;
    private final ScheduledThreadPoolExecutor housekeeping;
    private final Map<Object, Shared> pools = new HashMap<>();
    private boolean closed;

    /** @param maxConnections connections per server and user: the most sessions that can work at once, plus one */
    public SourcePools(int maxConnections) {
        this.maxConnections = maxConnections;
        this.housekeeping = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "bambus-source-pools");
            thread.setDaemon(true);
            return thread;
        });
        housekeeping.setRemoveOnCancelPolicy(true);
    }

    /** Where a source's connections come from: its shared pool's key, URL, name and the database its statements name. */
    private record Target(Object key, String jdbcUrl, String poolName, String database) {
    }

    private static Target target(String sourceId, DatabaseConfig database) {
        Matcher url = URL.matcher(database.jdbcUrl());
        if (!url.matches()) {
            // an unusual URL (a database with other characters, or none): this source's own pool
            return new Target(sourceId, database.jdbcUrl(), "bambus-source-" + sourceId, null);
        }
        String params = url.group(3) == null ? "" : url.group(3);
        Key key = new Key(url.group(1) + params, database.username(), database.password(), database.connectTimeoutMillis(),
                database.socketTimeoutMillis());
        // named by user and hosts only: credentials a URL may carry (user:password@host) stay out of logs
        String name = "bambus-source-" + database.username() + "@" + url.group(1).replaceFirst("^jdbc:[^/]*//", "")
                .replaceAll("[^,@]*@", "");
        // no default database: every statement names its own (OutboxReader qualifies its tables)
        return new Target(key, url.group(1) + "/" + params, name, url.group(2));
    }

    /**
     * What a source's sessions share a pool by (its server, user and connection settings), so that the
     * scheduler can keep one hung server from holding every session thread.
     */
    public static Object server(String sourceId, DatabaseConfig database) {
        return target(sourceId, database).key();
    }

    /**
     * A pool for {@code database}, shared with every other source on the same server and user; the
     * caller runs {@link Lease#release()} once when it no longer uses it (the last release closes the pool).
     */
    public synchronized Lease acquire(String sourceId, DatabaseConfig database) {
        if (closed) {
            throw new IllegalStateException("the member's source pools are closed");
        }
        Target target = target(sourceId, database);
        Shared shared = pools.get(target.key());
        if (shared == null) {
            shared = new Shared(open(target.poolName(), target.jdbcUrl(), database));
            pools.put(target.key(), shared);
            LOG.info("Source pool {} opened (at most {} connections, none kept idle)", target.poolName(), maxConnections);
        }
        shared.leases++;
        Shared leased = shared;
        boolean[] released = {false};
        return new Lease(shared.pool, target.database(), () -> release(target.key(), leased, released));
    }

    private void release(Object key, Shared shared, boolean[] released) {
        synchronized (this) {
            if (released[0]) {
                return;
            }
            released[0] = true;
            if (--shared.leases > 0 || pools.get(key) != shared) {
                return;
            }
            pools.remove(key);
        }
        // outside the lock: closing can wait for a connection being opened, and sessions acquire meanwhile
        shared.pool.close();
        LOG.info("Source pool {} closed: no session here uses it any more", shared.pool.getPoolName());
    }

    /** Pools open now (for tests and status). */
    public synchronized int openPools() {
        return pools.size();
    }

    private HikariDataSource open(String name, String jdbcUrl, DatabaseConfig database) {
        HikariConfig config = Pools.config(name, new DatabaseConfig(jdbcUrl, database.username(), database.password(),
                maxConnections, database.connectTimeoutMillis(), database.socketTimeoutMillis()), false);
        // the outbox reader's transactions read committed rows (OutboxReader): as the connections' own level,
        // no SET before and after each one
        config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        config.setMinimumIdle(0);
        config.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
        config.setScheduledExecutor(housekeeping);
        return new HikariDataSource(config);
    }

    @Override
    public synchronized void close() {
        closed = true;
        pools.values().forEach(shared -> shared.pool.close());
        pools.clear();
        housekeeping.shutdownNow();
        try {
            housekeeping.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
