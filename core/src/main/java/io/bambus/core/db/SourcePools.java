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
    /** {@code jdbc:mysql://hosts/database?properties}: the part before the database, the database, the rest. */
    private static final Pattern URL = Pattern.compile("(jdbc:(?:mysql|mariadb)(?::[a-z]+)?(?:\\+srv)?://[^/?#]+)/([A-Za-z0-9_$-]{1,64})(\\?[^#]*)?");

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

    /**
     * A pool for {@code database}, shared with every other source on the same server and user; the
     * caller runs {@link Lease#release()} once when it no longer uses it (the last release closes the pool).
     */
    public synchronized Lease acquire(String sourceId, DatabaseConfig database) {
        if (closed) {
            throw new IllegalStateException("the member's source pools are closed");
        }
        Matcher url = URL.matcher(database.jdbcUrl());
        Object key;
        String schema;
        String jdbcUrl;
        String name;
        if (url.matches()) {
            key = new Key(url.group(1) + (url.group(3) == null ? "" : url.group(3)), database.username(), database.password(),
                    database.connectTimeoutMillis(), database.socketTimeoutMillis());
            schema = url.group(2);
            // no default database: every statement names its own (OutboxReader qualifies its tables)
            jdbcUrl = url.group(1) + "/" + (url.group(3) == null ? "" : url.group(3));
            // named by user and hosts only: credentials a URL may carry (user:password@host) stay out of logs
            name = "bambus-source-" + database.username() + "@" + url.group(1).replaceFirst("^jdbc:[^/]*//", "")
                    .replaceAll("[^,@]*@", "");
        } else {
            key = sourceId; // an unusual URL (a database with other characters, or none): this source's own pool
            schema = null;
            jdbcUrl = database.jdbcUrl();
            name = "bambus-source-" + sourceId;
        }
        Shared shared = pools.get(key);
        if (shared == null) {
            shared = new Shared(open(name, jdbcUrl, database));
            pools.put(key, shared);
            LOG.info("Source pool {} opened (at most {} connections, none kept idle)", name, maxConnections);
        }
        shared.leases++;
        Shared leased = shared;
        boolean[] released = {false};
        return new Lease(shared.pool, schema, () -> release(key, leased, released));
    }

    private synchronized void release(Object key, Shared shared, boolean[] released) {
        if (released[0]) {
            return;
        }
        released[0] = true;
        if (--shared.leases == 0 && pools.get(key) == shared) {
            pools.remove(key);
            shared.pool.close();
            LOG.info("Source pool {} closed: no session here uses it any more", shared.pool.getPoolName());
        }
    }

    /** Pools open now (for tests and status). */
    public synchronized int openPools() {
        return pools.size();
    }

    private HikariDataSource open(String name, String jdbcUrl, DatabaseConfig database) {
        HikariConfig config = Pools.config(name, new DatabaseConfig(jdbcUrl, database.username(), database.password(),
                maxConnections, database.connectTimeoutMillis(), database.socketTimeoutMillis()), false);
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
