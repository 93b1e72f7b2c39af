package io.bambus.grid.placement;

import com.hazelcast.map.IMap;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.SourceConfig;
import io.bambus.core.db.SourcePools;
import io.bambus.core.outbox.OutboxReader;
import io.bambus.grid.session.RecordLag;
import io.bambus.grid.session.SessionRecord;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Measures the lag of the sessions this member owns but does not run (paused or disabled), so
 * operators see events pile up while a session is stopped. One thread ("bambus-lag-probe"), on the
 * member's shared source pools; owned and closed by {@link Placement}.
 */
final class LagProbes implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(LagProbes.class);
    static final long INTERVAL_MILLIS = 5_000;

    private record Probe(SourceConfig source, SourcePools.Lease lease, OutboxReader reader) {
    }

    private final IMap<String, SessionRecord> sessions;
    private final SourcePools sourcePools;
    private final Map<String, Probe> probes = new HashMap<>();
    private final Map<String, Future<?>> inFlight = new HashMap<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "bambus-lag-probe");
        thread.setDaemon(true);
        return thread;
    });
    private long nextMillis;

    LagProbes(IMap<String, SessionRecord> sessions, SourcePools sourcePools) {
        this.sessions = sessions;
        this.sourcePools = sourcePools;
    }

    /** Called by the placement loop with the records this member owns. */
    void update(Map<String, SessionRecord> owned, BusConfig config, long now) {
        probes.entrySet().removeIf(entry -> {
            SessionRecord record = owned.get(entry.getKey());
            boolean keep = record != null && !record.state().runs() && entry.getValue().source().equals(config.source(entry.getKey()));
            if (!keep) {
                close(entry.getKey(), entry.getValue());
            }
            return !keep;
        });
        if (now < nextMillis) {
            return;
        }
        nextMillis = now + INTERVAL_MILLIS;
        for (SessionRecord record : owned.values()) {
            String id = record.sessionId();
            SourceConfig source = config.source(id);
            if (record.state().runs() || source == null) {
                continue;
            }
            Probe probe;
            try {
                probe = probes.computeIfAbsent(id, key -> open(source));
            } catch (RuntimeException e) {
                LOG.debug("Session '{}': lag not measured: {}", id, e.toString());
                continue;
            }
            Future<?> previous = inFlight.get(id);
            if (previous == null || previous.isDone()) {
                inFlight.put(id, executor.submit(() -> measure(id, probe)));
            }
        }
    }

    private Probe open(SourceConfig source) {
        SourcePools.Lease lease = sourcePools.acquire(source.id(), source.database());
        try {
            return new Probe(source, lease, new OutboxReader(lease.pool(), lease.database(), source.outboxTable(),
                    java.time.Duration.ZERO));
        } catch (RuntimeException e) {
            lease.release().run();
            throw e;
        }
    }

    private void measure(String id, Probe probe) {
        try {
            OutboxReader.Lag lag = probe.reader().lag();
            long oldest = lag.oldestEventTime() == null ? 0 : lag.oldestEventTime().toInstant(ZoneOffset.UTC).toEpochMilli();
            sessions.executeOnKey(id, new RecordLag(lag.events(), oldest));
        } catch (Exception e) {
            LOG.debug("Session '{}': lag not measured: {}", id, e.toString());
        }
    }

    private void close(String id, Probe probe) {
        Future<?> running = inFlight.remove(id);
        if (running != null) {
            running.cancel(true);
        }
        probe.lease().release().run();
    }

    @Override
    public void close() {
        executor.shutdownNow();
        probes.forEach(this::close);
        probes.clear();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
