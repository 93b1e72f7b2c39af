package io.bambus.grid;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.zaxxer.hikari.HikariDataSource;
import io.bambus.grid.alert.AlertSchedule;
import io.bambus.grid.status.Addresses;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.SourceConfig;
import io.bambus.core.db.Pools;
import io.bambus.core.db.SourcePools;
import io.bambus.grid.metrics.HazelcastMetrics;
import io.bambus.grid.metrics.MemberFigures;
import io.bambus.grid.metrics.PrometheusEndpoint;
import io.bambus.grid.placement.PlacementLoop;
import io.bambus.grid.placement.PlacementPlan;
import io.bambus.grid.runner.SessionRunner;
import io.bambus.grid.runner.SessionScheduler;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.session.SessionRecordMergePolicy;
import io.bambus.grid.status.MemberStatus;
import io.bambus.grid.timeline.Timeline;
import io.bambus.grid.timeline.TimelineEntry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Collection;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The bus on one member: its configuration, its destination pool, the sessions map and the
 * placement loop that runs the sessions the placement plan assigns to this member. Created by
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
    /** Read at start only: a change takes a member restart. */
    private final BusConfig.Metrics metricsConfig;
    private final MemberFigures figures = new MemberFigures(this::sessionsAssigned);
    private HazelcastMetrics hazelcastMetrics;
    private volatile PrometheusEndpoint prometheus;
    private HikariDataSource destination;
    /** Sessions run on these threads and source pools; sized at start (a change of sessions.threads takes a restart). */
    private SourcePools sourcePools;
    private volatile SessionScheduler scheduler;
    private IMap<String, SessionRecord> sessions;
    private IMap<String, PlacementPlan> plans;
    private PlacementLoop placement;
    private io.bambus.grid.archive.ArchiveSchedule archiveSchedule;
    private AlertSchedule alertSchedule;
    private final long startedMillis = System.currentTimeMillis();

    BusMember(HazelcastInstance hz, Path configPath, BusConfig config, BusConfig.Metrics metricsConfig) {
        this.hz = hz;
        this.configPath = configPath;
        this.config = config;
        this.metricsConfig = metricsConfig;
    }

    /** The bus of the member {@code hz} runs in, or null when the plugin is not (yet) started there. */
    public static BusMember of(HazelcastInstance hz) {
        return (BusMember) hz.getUserContext().get(CONTEXT_KEY);
    }

    synchronized void start() {
        // after a split heals, records merge by the highest epoch, keeping a pause or disable from either side
        hz.getConfig().addMapConfig(new MapConfig(config.sessionsMap()).setBackupCount(config.sessionBackupCount())
                .setMergePolicyConfig(new MergePolicyConfig(SessionRecordMergePolicy.class.getName(),
                        MergePolicyConfig.DEFAULT_BATCH_SIZE)));
        sessions = hz.getMap(config.sessionsMap());
        // after a split heals, the larger side's plan stays (the default put-if-absent merge); its decider re-plans
        // one small entry that every member reads: more backups than the sessions' (a lost plan re-plans from the records)
        hz.getConfig().addMapConfig(new MapConfig(PlacementPlan.MAP).setBackupCount(Math.max(2, config.sessionBackupCount())));
        plans = hz.getMap(PlacementPlan.MAP);
        Timeline.configure(hz);
        destination = Pools.open("bambus-destination", config.destination());
        sourcePools = new SourcePools(config.sessionThreads() + 1); // + the lag probe of paused sessions
        scheduler = new SessionScheduler(config.sessionThreads(), sourcePools);
        hz.getUserContext().put(CONTEXT_KEY, this);
        placement = new PlacementLoop(hz, sessions, plans, scheduler, sourcePools, destination, figures, configPath,
                this::config, this::config, this::publishStatus, this::ready);
        placement.start();
        archiveSchedule = new io.bambus.grid.archive.ArchiveSchedule(() -> config().archive(), destination,
                hz.getPartitionService());
        archiveSchedule.start();
        alertSchedule = new AlertSchedule(() -> config().alerts(), this::alertRulesOfAllMembers, destination,
                hz.getPartitionService());
        alertSchedule.start();
        hazelcastMetrics = HazelcastMetrics.register(hz, figures);
        prometheus = startPrometheus();
    }

    /** The member's Prometheus endpoint when configured; a port it cannot bind is logged and the bus runs without it. */
    private PrometheusEndpoint startPrometheus() {
        if (!metricsConfig.enabled()) {
            return null;
        }
        Member local = hz.getCluster().getLocalMember();
        String host = metricsConfig.host() != null ? metricsConfig.host() : local.getAddress().getHost();
        try {
            return PrometheusEndpoint.start(figures, Addresses.of(local), host, metricsConfig.port());
        } catch (java.io.IOException | RuntimeException e) {
            LOG.error("Prometheus metrics endpoint not started on {}:{} ({}); the bus runs without it. Free the port, or give"
                    + " metrics.port in {} (or -D{} for this member alone) another one", host, metricsConfig.port(), e.toString(),
                    configPath, BusPlugin.METRICS_PORT_PROPERTY);
            return null;
        }
    }

    /**
     * Called by the placement loop once this member is ready for sessions (definitions checked, Jet
     * warmed up): the line {@code scripts/start-member.sh} waits for.
     */
    private void ready() {
        Member local = hz.getCluster().getLocalMember();
        LOG.info("BAM event bus started on member {} ({} sources configured, sessions map '{}' with {} backup(s))",
                local.getAddress(), config.sources().size(), config.sessionsMap(), config.sessionBackupCount());
        Timeline.record(hz, TimelineEntry.Kind.MEMBER_JOINED, Addresses.of(local), null, "bus",
                "the bus started on this member (" + hz.getCluster().getMembers().size() + " member(s) in the cluster)");
    }

    /** The member is shutting down gracefully: none starts here, its sessions move to the other members first. */
    void leaving() {
        PlacementLoop current = placement;
        if (current != null) {
            // before the member leaves: its alert round ends first, and the next owner starts after it
            alertSchedule.close();
            LOG.info("BAM event bus on this member is handing its {} session(s) over to the other members", runners().size());
            Member local = hz.getCluster().getLocalMember();
            Timeline.record(hz, TimelineEntry.Kind.MEMBER_LEAVING, Addresses.of(local), null, "bus",
                    "graceful shutdown: its sessions move to the other members");
            long started = System.nanoTime();
            current.leave(STOP_WAIT_MILLIS);
            LOG.info("BAM event bus on this member handed its sessions over in {} ms ({} still running)",
                    (System.nanoTime() - started) / 1_000_000, runners().size());
            try {
                hz.getMap(MemberStatus.MAP).remove(local.getUuid().toString());
            } catch (RuntimeException e) {
                LOG.debug("Member status not removed: {}", e.toString());
            }
        }
    }

    void merged() {
        PlacementLoop current = placement;
        if (current != null) {
            current.merged();
        }
    }

    /** Stops what still runs here (each session after its in-flight batch) and closes the pool. */
    synchronized void shutdown() {
        if (placement == null) {
            return;
        }
        long started = System.nanoTime();
        PrometheusEndpoint endpoint = prometheus;
        prometheus = null;
        if (endpoint != null) {
            endpoint.close();
        }
        if (hazelcastMetrics != null) {
            hazelcastMetrics.close();
        }
        archiveSchedule.close();
        alertSchedule.close();
        Collection<SessionRunner> stopped = placement.stopAll(STOP_WAIT_MILLIS);
        placement = null;
        scheduler.close();
        hz.getUserContext().remove(CONTEXT_KEY);
        sourcePools.close();
        destination.close();
        LOG.info("BAM event bus stopped on this member ({} session(s) still running were stopped after their batches, in {} ms)",
                stopped.size(), (System.nanoTime() - started) / 1_000_000);
    }

    void wake() {
        PlacementLoop current = placement;
        if (current != null) {
            current.wake();
        }
    }

    void memberLeft(Member gone) {
        PlacementLoop current = placement;
        if (current != null) {
            current.memberLeft();
        }
        // the oldest member writes the loss (the lost member cannot); a graceful leaver wrote MEMBER_LEAVING itself
        if (current != null && hz.getCluster().getMembers().iterator().next().localMember()) {
            Timeline.record(hz, TimelineEntry.Kind.MEMBER_LEFT, Addresses.of(gone), null, "bus",
                    "left the cluster; its sessions move to the other members");
            hz.getMap(MemberStatus.MAP).removeAsync(gone.getUuid().toString());
        }
    }

    /**
     * The alert rule names in the bus files of every member of the cluster (this one's included), or
     * null while a member has no status (starting, or its entry expired): then no rule is retired.
     */
    private java.util.Set<String> alertRulesOfAllMembers() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        config.alerts().rules().forEach(rule -> names.add(rule.name()));
        java.util.Set<String> uuids = new java.util.HashSet<>();
        hz.getCluster().getMembers().forEach(m -> uuids.add(m.getUuid().toString()));
        java.util.Map<String, MemberStatus> statuses = hz.<String, MemberStatus>getMap(MemberStatus.MAP).getAll(uuids);
        if (!statuses.keySet().containsAll(uuids)) {
            return null;
        }
        for (MemberStatus status : statuses.values()) {
            if (status.alertRules() != null) {
                names.addAll(status.alertRules());
            }
        }
        return names;
    }

    /** Publishes this member's status for clients (UI, CLI); the placement loop's status duty calls it. */
    private void publishStatus() {
        Member local = hz.getCluster().getLocalMember();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        PlacementLoop current = placement;
        PlacementPlan plan = current == null ? PlacementPlan.EMPTY : current.plan();
        String uuid = local.getUuid().toString();
        MemberStatus status = new MemberStatus(uuid, Addresses.of(local), startedMillis,
                heap.getUsed(), heap.getMax(), runners().size(), configError(),
                config.sources().stream().map(SourceConfig::id).toList(), System.currentTimeMillis(),
                plan.sessionsOf(uuid).size(), current == null ? 0 : current.eventsPerSecond(),
                current == null ? 0 : current.lagEvents(), plan.members().indexOf(uuid) == 0, plan.automatic(),
                scheduler.runsSessions(), config.alerts().rules().stream().map(rule -> rule.name()).toList());
        hz.<String, MemberStatus>getMap(MemberStatus.MAP).setAsync(status.uuid(), status, MemberStatus.TTL_SECONDS,
                java.util.concurrent.TimeUnit.SECONDS);
    }

    /** What runs this member's sessions (the pump processor of its Jet job asks for it). */
    public SessionScheduler scheduler() {
        return scheduler;
    }

    /** The member's shared source pools. */
    public SourcePools sourcePools() {
        return sourcePools;
    }

    public BusConfig config() {
        return config;
    }

    private void config(BusConfig reloaded) {
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
        PlacementLoop current = placement;
        return current == null ? null : current.configError();
    }

    /** Where this member's Prometheus endpoint listens, or null when it serves none. */
    public InetSocketAddress metricsAddress() {
        PrometheusEndpoint endpoint = prometheus;
        return endpoint == null ? null : endpoint.address();
    }

    private int sessionsAssigned() {
        PlacementLoop current = placement;
        return current == null ? 0 : current.plan().sessionsOf(hz.getCluster().getLocalMember().getUuid().toString()).size();
    }

    /** The sessions this member runs now, for status and tests. */
    public Collection<SessionRunner> runners() {
        PlacementLoop current = placement;
        return current == null ? java.util.List.of() : current.runners();
    }
}
