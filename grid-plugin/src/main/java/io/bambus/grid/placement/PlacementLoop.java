package io.bambus.grid.placement;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.spi.properties.ClusterProperty;
import com.hazelcast.spi.properties.HazelcastProperties;
import io.bambus.core.config.BusConfig;
import io.bambus.core.db.SourcePools;
import io.bambus.grid.duty.ConfigWatcher;
import io.bambus.grid.duty.DefinitionsDeployer;
import io.bambus.grid.duty.StatusPublisher;
import io.bambus.grid.metrics.MemberFigures;
import io.bambus.grid.runner.SessionRunner;
import io.bambus.grid.runner.SessionScheduler;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.status.Addresses;
import io.bambus.grid.status.MemberStatus;
import io.bambus.grid.timeline.Timeline;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The member's one placement thread: on every plan change, membership event, ended runner, and
 * every {@value #TICK_MILLIS} ms it does a round of the member's duties (the bus file, its status,
 * the definitions) and then of placement: the {@link Coordinator} says which plan to run by (and
 * decides one on the deciding member), the {@link Reconciler} makes the runners match it. It also
 * makes the member ready (definitions checked, the sessions job pumping) and hands its sessions over
 * on a graceful leave.
 */
public final class PlacementLoop {

    private static final Logger LOG = LogManager.getLogger(PlacementLoop.class);
    static final long TICK_MILLIS = 500;
    /** A round that takes this long says where its time went (normally it takes milliseconds). */
    private static final long SLOW_ROUND_NANOS = 1_000_000_000L;
    /** How often the records of the configured sources are checked for a loss of all their replicas. */
    private static final long RECORD_CHECK_MILLIS = 5_000;

    private final HazelcastInstance hz;
    private final IMap<String, PlacementPlan> plans;
    private final SessionScheduler scheduler;
    private final Coordinator coordinator;
    private final Reconciler reconciler;
    private final LagProbes lagProbes;
    private final ConfigWatcher configWatcher;
    private final DefinitionsDeployer deployer;
    private final StatusPublisher status;
    private final Runnable ready;
    private final Supplier<BusConfig> config;
    private final Semaphore wakeups = new Semaphore(0);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long nextRecordCheckMillis;
    private UUID planListener;

    /**
     * @param config  the configuration the member runs by now; {@code install} makes it run by a reloaded one
     * @param publish composes and publishes the member's status (it reads this loop's figures)
     * @param ready   says the member is ready for sessions (the line the start script waits for)
     */
    public PlacementLoop(HazelcastInstance hz, IMap<String, SessionRecord> sessions, IMap<String, PlacementPlan> plans,
                         SessionScheduler scheduler, SourcePools sourcePools, DataSource destination, MemberFigures figures,
                         java.nio.file.Path configPath, Supplier<BusConfig> config, Consumer<BusConfig> install,
                         Runnable publish, Runnable ready) {
        this.hz = hz;
        this.plans = plans;
        this.scheduler = scheduler;
        this.ready = ready;
        Member local = hz.getCluster().getLocalMember();
        Timeline.Writer timeline = Timeline.writer(hz);
        Decider decider = new Decider(plans, sessions, hz.getMap(MemberStatus.MAP), config.get().loadBalance(),
                Balancer.Load.DEFAULT,
                (kind, address, session, detail) -> Timeline.record(hz, kind, address, session, "bus", detail));
        this.coordinator = new Coordinator(plans, decider, new Witness(destination, hz.getConfig().getClusterName()),
                local.getUuid().toString(), timeline);
        this.lagProbes = new LagProbes(sessions, sourcePools);
        this.reconciler = new Reconciler(sessions, scheduler, destination, figures, lagProbes, config, local.getUuid().toString(),
                Addresses.of(local), timeline, detectionMillis(hz), this::wake);
        this.deployer = new DefinitionsDeployer(destination, () -> config.get().definitions());
        this.configWatcher = new ConfigWatcher(configPath, config, install, (old, reloaded) -> {
            deployer.redeploy();
            reconciler.configChanged(old, reloaded);
        });
        this.status = new StatusPublisher(publish);
        this.thread = new Thread(this::loop, "bambus-placement");
        this.thread.setDaemon(true);
        this.config = config;
    }

    public void start() {
        reconciler.createRecords(config.get());
        planListener = plans.addEntryListener(new PlanListener(this::wake), PlacementPlan.KEY, false);
        thread.start();
    }

    /**
     * Checks the definitions and warms Jet up before this member says it is ready, so a join's
     * sessions start without waiting for them; on this thread, never on the lifecycle thread that
     * starts the member (a Jet job submitted there can wait for the member's own start).
     */
    private void prepare() {
        try {
            long started = System.nanoTime();
            synchronized (this) {
                deployer.deployIfNeeded(System.currentTimeMillis());
            }
            long deployedAt = System.nanoTime();
            pump();
            if (!scheduler.awaitPumping(10_000)) {
                LOG.warn("The sessions' Jet job is not running after 10 s; sessions wait for it");
            }
            // the status first: the deciding member places sessions only by what a member's status says it has
            status.publishIfDue(System.currentTimeMillis());
            // ready at once: the deciding member may give this one sessions before its first round
            plans.executeOnKey(PlacementPlan.KEY, new PlanUpdate.Ready(hz.getCluster().getLocalMember().getUuid().toString()));
            LOG.info("Ready for sessions (definitions checked in {} ms, sessions job running in {} ms)",
                    (deployedAt - started) / 1_000_000, (System.nanoTime() - deployedAt) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("Placement: preparing failed ({}); the first round says this member is ready", e.toString());
        }
        ready.run();
    }

    private void pump() {
        scheduler.ensurePumping(hz.getJet(), hz.getCluster().getLocalMember().getAddress());
    }

    public void wake() {
        wakeups.release();
    }

    /**
     * A member left: records it held may be gone (a backup not yet re-synced after a migration), so
     * look for lost records now instead of at the next periodic check.
     */
    public void memberLeft() {
        nextRecordCheckMillis = 0;
        wakeups.release();
    }

    /** The member merged back into the cluster after a split. */
    public void merged() {
        coordinator.merged();
        wake();
    }

    private void loop() {
        prepare();
        while (running) {
            try {
                round();
            } catch (HazelcastInstanceNotActiveException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("Placement: a round failed, retrying: {}", e.toString());
            }
            try {
                // the round after a loss's settling time comes as it ends, not up to a tick later: sessions wait for it
                long settled = coordinator.settledInMillis(System.currentTimeMillis());
                wakeups.tryAcquire(settled > 0 ? Math.min(TICK_MILLIS, settled) : TICK_MILLIS, TimeUnit.MILLISECONDS);
                wakeups.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void round() {
        if (!running) {
            return;
        }
        pump();
        long began = System.nanoTime();
        long now = System.currentTimeMillis();
        configWatcher.checkIfDue(now);
        status.publishIfDue(now);
        deployer.deployIfNeeded(now); // a refused or failed deployment is reported; sessions go on with what the destination has
        Set<Member> view = hz.getCluster().getMembers();
        long duties = System.nanoTime();
        Coordinator.Round round = coordinator.round(view, now);
        long decided = System.nanoTime();
        if (round.majority() && now >= nextRecordCheckMillis) {
            nextRecordCheckMillis = now + RECORD_CHECK_MILLIS;
            // a source another member has just removed from the shared file must not come back from our older copy
            configWatcher.check();
            reconciler.restoreLostRecords();
        }
        long checked = System.nanoTime();
        int records = reconciler.reconcile(round.plan(), round.majority(), !coordinator.leaving() && !coordinator.settling(now),
                coordinator, now);
        long took = System.nanoTime() - began;
        if (took >= SLOW_ROUND_NANOS) {
            // where a slow one spends its time (a member's loss with thousands of sessions: which step holds the starts up)
            LOG.info("Placement: a round took {} ms: duties {} ms, plan and decision {} ms, record check {} ms, {} records read"
                    + " and runners stopped and started {} ms", took / 1_000_000, (duties - began) / 1_000_000,
                    (decided - duties) / 1_000_000, (checked - decided) / 1_000_000, records, (System.nanoTime() - checked) / 1_000_000);
        }
    }

    public Collection<SessionRunner> runners() {
        return reconciler.runners();
    }

    /**
     * Why the edited configuration file was refused (the running configuration stays), or why the
     * definitions could not be deployed (sessions run with those the destination has), or null.
     */
    public String configError() {
        String config = configWatcher.error();
        return config != null ? config : deployer.error();
    }

    /** The plan this member last ran by (for status). */
    public PlacementPlan plan() {
        return coordinator.plan();
    }

    /** Events/s and events waiting of the sessions this member runs, for its status. */
    public double eventsPerSecond() {
        return reconciler.eventsPerSecond();
    }

    public long lagEvents() {
        return reconciler.lagEvents();
    }

    /**
     * The member began a graceful shutdown: start nothing more, tell the deciding member, and wait
     * (at most {@code waitMillis}) until the sessions have moved: each runner stops after its
     * in-flight batch once the plan gives its session to another member. Returns at once when no
     * other member can take them.
     */
    public void leave(long waitMillis) {
        long deadline = System.currentTimeMillis() + waitMillis;
        PlacementPlan known = coordinator.leave(waitMillis);
        if (known == null) {
            return;
        }
        wake();
        Set<String> present = new HashSet<>();
        hz.getCluster().getMembers().forEach(m -> present.add(m.getUuid().toString()));
        if (!coordinator.someoneTakesOver(known, present)) {
            return; // nobody to hand over to
        }
        while (reconciler.running() && System.currentTimeMillis() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(50); // the runners stop as the plan moves their sessions; bounded by the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        coordinator.left(reconciler::running);
    }

    /** Stops every local session, each finishing its in-flight batch; returns them. */
    public Collection<SessionRunner> stopAll(long waitMillis) {
        synchronized (this) {
            running = false;
        }
        wake();
        Collection<SessionRunner> all = reconciler.stopAll(waitMillis);
        try {
            if (planListener != null) {
                plans.removeEntryListener(planListener);
            }
        } catch (RuntimeException e) {
            LOG.debug("Plan listener not removed: {}", e.toString());
        }
        try {
            thread.join(TICK_MILLIS * 4);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            lagProbes.close();
            coordinator.close();
        }
        return all;
    }

    /** Wakes the loop when the plan changes (a decision, an operator's move). */
    private static final class PlanListener implements EntryAddedListener<String, PlacementPlan>,
            EntryUpdatedListener<String, PlacementPlan> {
        private final Runnable wake;

        PlanListener(Runnable wake) {
            this.wake = wake;
        }

        @Override
        public void entryAdded(com.hazelcast.core.EntryEvent<String, PlacementPlan> event) {
            wake.run();
        }

        @Override
        public void entryUpdated(com.hazelcast.core.EntryEvent<String, PlacementPlan> event) {
            wake.run();
        }
    }

    /**
     * How long this member may take to find out it is cut off: the deadline detector's timeout plus
     * a second; the phi-accrual detector's limit moves with each peer's jitter, so its cap. At most 10 s.
     */
    private static long detectionMillis(HazelcastInstance hz) {
        HazelcastProperties properties = new HazelcastProperties(hz.getConfig());
        if ("phi-accrual".equals(properties.getString(ClusterProperty.HEARTBEAT_FAILURE_DETECTOR_TYPE))) {
            return 10_000;
        }
        return Math.min(properties.getMillis(ClusterProperty.MAX_NO_HEARTBEAT_SECONDS) + 1_000, 10_000);
    }
}
