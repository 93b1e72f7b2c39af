package io.bambus.grid;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.config.BusConfig;
import io.bambus.core.db.Pools;
import io.bambus.grid.placement.Placement;
import io.bambus.grid.runner.SessionRunner;
import io.bambus.grid.session.SessionRecord;
import java.nio.file.Path;
import java.util.Collection;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The bus on one member: its configuration, its destination pool, the sessions map and the
 * placement loop that runs the sessions whose records this member owns. Created by
 * {@link BusPlugin}; found by Jet processors through the instance's user context.
 */
public final class BusMember {

    private static final Logger LOG = LogManager.getLogger(BusMember.class);
    private static final String CONTEXT_KEY = "bambus.member";
    /** How long a graceful stop waits for each running session to finish its in-flight batch. */
    private static final long STOP_WAIT_MILLIS = 10_000;

    private final HazelcastInstance hz;
    private final Path configPath;
    private volatile BusConfig config;
    private HikariDataSource destination;
    private IMap<String, SessionRecord> sessions;
    private Placement placement;

    BusMember(HazelcastInstance hz, Path configPath, BusConfig config) {
        this.hz = hz;
        this.configPath = configPath;
        this.config = config;
    }

    /** The bus of the member {@code hz} runs in, or null when the plugin is not (yet) started there. */
    public static BusMember of(HazelcastInstance hz) {
        return (BusMember) hz.getUserContext().get(CONTEXT_KEY);
    }

    synchronized void start() {
        hz.getConfig().addMapConfig(new MapConfig(config.sessionsMap()).setBackupCount(config.sessionBackupCount()));
        sessions = hz.getMap(config.sessionsMap());
        destination = Pools.open("bambus-destination", config.destination());
        hz.getUserContext().put(CONTEXT_KEY, this);
        placement = new Placement(this);
        placement.start();
        Member local = hz.getCluster().getLocalMember();
        LOG.info("BAM event bus started on member {} ({} sources configured, sessions map '{}' with {} backup(s))",
                local.getAddress(), config.sources().size(), config.sessionsMap(), config.sessionBackupCount());
    }

    /** The member is shutting down gracefully: sessions follow their partitions out, none starts here. */
    void leaving() {
        Placement current = placement;
        if (current != null) {
            current.leave();
            LOG.info("BAM event bus on this member is handing its sessions over as its partitions migrate");
        }
    }

    void partitionLeft(int partitionId) {
        Placement current = placement;
        if (current != null) {
            current.partitionLeft(partitionId);
        }
    }

    /** Stops what still runs here (each session after its in-flight batch) and closes the pool. */
    synchronized void shutdown() {
        if (placement == null) {
            return;
        }
        long started = System.nanoTime();
        Collection<SessionRunner> stopped = placement.stopAll(STOP_WAIT_MILLIS);
        placement = null;
        hz.getUserContext().remove(CONTEXT_KEY);
        destination.close();
        LOG.info("BAM event bus stopped on this member ({} session(s) still running were stopped after their batches, in {} ms)",
                stopped.size(), (System.nanoTime() - started) / 1_000_000);
    }

    void wake() {
        Placement current = placement;
        if (current != null) {
            current.wake();
        }
    }

    void memberLeft() {
        Placement current = placement;
        if (current != null) {
            current.memberLeft();
        }
    }

    /** The runner of {@code sessionId} under {@code epoch} on this member, or null. */
    public SessionRunner runner(String sessionId, long epoch) {
        Placement current = placement;
        return current == null ? null : current.runner(sessionId, epoch);
    }

    public HazelcastInstance hazelcast() {
        return hz;
    }

    public BusConfig config() {
        return config;
    }

    public void config(BusConfig reloaded) {
        this.config = reloaded;
    }

    public Path configPath() {
        return configPath;
    }

    public HikariDataSource destination() {
        return destination;
    }

    public IMap<String, SessionRecord> sessions() {
        return sessions;
    }

    /** Why an edited configuration file was refused (the running configuration stays), or null. */
    public String configError() {
        Placement current = placement;
        return current == null ? null : current.configError();
    }

    /** The sessions this member runs now, for status and tests. */
    public Collection<SessionRunner> runners() {
        Placement current = placement;
        return current == null ? java.util.List.of() : current.runners();
    }
}
