package io.bambus.grid.placement;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.map.IMap;
import com.hazelcast.spi.properties.ClusterProperty;
import com.hazelcast.spi.properties.HazelcastProperties;
import io.bambus.grid.status.Addresses;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.alert.AlertRules;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.ConfigException;
import io.bambus.core.config.SourceConfig;
import io.bambus.grid.BusMember;
import io.bambus.grid.Callbacks;
import io.bambus.grid.runner.SessionRunner;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.session.CreateRecord;
import io.bambus.grid.session.TakeEpoch;
import io.bambus.grid.timeline.Timeline;
import io.bambus.grid.timeline.TimelineEntry;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Who runs what on this member. The oldest member whose bus is ready and that is not leaving
 * decides for the cluster ({@link Decider}, {@link Balancer}): it publishes a {@link PlacementPlan}
 * that balances sessions by count (members differ by at most one) and, where it pays, by load.
 * Every member runs exactly the sessions the plan assigns to it and whose state says they run.
 * Session records stay in the partitioned sessions map (backups, migration); the plan only says
 * who runs them, and fencing keeps a member acting on an older plan from committing. One thread
 * reconciles on every plan change, membership event, ended runner, and every {@value #TICK_MILLIS} ms.
 */
public final class Placement {

    private static final Logger LOG = LogManager.getLogger(Placement.class);
    static final long TICK_MILLIS = 500;
    /** How long one reconcile waits for the epochs it takes (the rest are taken at the next). */
    private static final long TAKE_WAIT_MILLIS = 10_000;
    /** From this many sessions started in one tick (a start, a member's loss), one line says how long their epochs took. */
    private static final int MANY_STARTS = 10;
    /** A reconcile that takes this long says where its time went (normally it takes milliseconds). */
    private static final long SLOW_RECONCILE_NANOS = 1_000_000_000L;
    /** How a member's status reports a definitions file the destination refused (CLI and UI show it). */
    public static final String DEPLOY_ERROR = "activity definitions not deployed";
    private static final long CONFIG_CHECK_MILLIS = 2_000;
    private static final long DEPLOY_RETRY_MILLIS = 2_000;
    private static final long RECORD_CHECK_MILLIS = 5_000;

    private final BusMember member;
    private final Map<String, SessionRunner> runners = new ConcurrentHashMap<>();
    /** Destination epochs that fenced our runners: the next epoch must be above them. */
    private final Map<String, Long> floors = new HashMap<>();
    /**
     * Sessions taken over by another runner while they ran here, and until when this member waits
     * before it claims them again: another member claimed them, so this one may be cut off and not
     * know it yet (failure detection takes {@code hazelcast.max.no.heartbeat.seconds}). Claiming at
     * once would fence the other side's runner, and the two would take turns.
     */
    private final Map<String, Long> takenOverUntil = new HashMap<>();
    private final long takenOverWaitMillis;
    private final Set<String> unknownSources = new HashSet<>();
    /** The kind of the last epoch-taking error per session, so a persisting one is logged once. */
    private final Map<String, String> submitErrors = new HashMap<>();
    private final Semaphore wakeups = new Semaphore(0);
    private final LagProbes lagProbes;
    private final SplitGuard splitGuard = new SplitGuard();
    /** Members seen leaving gracefully and gone, already taken off the split guard's agreed size. */
    private final Set<String> departed = new HashSet<>();
    /** The data members of the last view (a lite member's leave must not lower the agreed size). */
    private final Set<String> dataMembersSeen = new HashSet<>();
    private boolean planReadable = true;
    private final Decider decider;
    /** This member's own sessions' load, for its status. */
    private final LoadMeter ownLoad = new LoadMeter();
    private volatile Map<String, SessionRecord> ownRecords = Map.of();
    private volatile PlacementPlan plan = PlacementPlan.EMPTY;
    private UUID planListener;
    /** Since when this member has been on the minority side of a split (0: it is not). */
    private volatile long minoritySinceMillis;
    private volatile String minorityDetail;
    private final Thread thread;
    private volatile boolean running = true;
    /** The member is leaving: no session starts here any more; running ones stop once the plan moves them. */
    private volatile boolean leaving;
    private boolean deployed;
    private long nextDeployMillis;
    private long nextConfigCheckMillis;
    private volatile long nextRecordCheckMillis;
    private long nextStatusMillis;
    private FileTime configModified;
    private volatile String configError;
    private volatile String deployError;

    public Placement(BusMember member) {
        this.member = member;
        this.lagProbes = new LagProbes(member.sessions(), member.sourcePools());
        // failure detection's timeout plus a second, at most 10 s
        long noHeartbeat = new HazelcastProperties(member.hazelcast().getConfig()).getMillis(ClusterProperty.MAX_NO_HEARTBEAT_SECONDS);
        this.takenOverWaitMillis = Math.min(noHeartbeat + 1_000, 10_000);
        this.decider = new Decider(member.plans(), member.sessions(), member.config().loadBalance(), Balancer.Load.DEFAULT,
                (kind, address, session, detail) -> Timeline.record(member.hazelcast(), kind, address, session, "bus", detail));
        this.thread = new Thread(this::loop, "bambus-placement");
        this.thread.setDaemon(true);
    }

    public void start() {
        configModified = modified();
        createRecords(member.config());
        planListener = member.plans().addEntryListener(new PlanListener(this::wake), PlacementPlan.KEY, false);
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
                deploy(System.currentTimeMillis());
            }
            long deployedAt = System.nanoTime();
            warmUpJet();
            // ready at once: the deciding member may give this one sessions before its first tick
            member.plans().executeOnKey(PlacementPlan.KEY, new PlanUpdate.Ready(localUuid()));
            LOG.info("Ready for sessions (definitions checked in {} ms, sessions job running in {} ms)",
                    (deployedAt - started) / 1_000_000, (System.nanoTime() - deployedAt) / 1_000_000);
        } catch (RuntimeException e) {
            LOG.warn("Placement: preparing failed ({}); the first reconcile says this member is ready", e.toString());
        }
        member.ready();
    }

    /**
     * Submits this member's sessions job and waits until its pump runs, so the first session this
     * member takes does not pay for Jet's first job here (classes, threads).
     */
    private void warmUpJet() {
        pump();
        try {
            if (!member.scheduler().awaitPumping(10_000)) {
                LOG.warn("The sessions' Jet job is not running after 10 s; sessions wait for it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void pump() {
        member.scheduler().ensurePumping(member.hazelcast().getJet(), member.hazelcast().getCluster().getLocalMember().getAddress());
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

    public Collection<SessionRunner> runners() {
        return List.copyOf(runners.values());
    }

    /**
     * Why the edited configuration file was refused (the running configuration stays), or why the
     * definitions could not be deployed (sessions run with those the destination has), or null.
     */
    public String configError() {
        String config = configError;
        return config != null ? config : deployError;
    }

    /**
     * The member merged back into the cluster after a split: the timeline (which the minority's half
     * could not keep) gets the story now.
     */
    public void merged() {
        long since = minoritySinceMillis;
        String address = Addresses.of(member.hazelcast().getCluster().getLocalMember());
        if (since > 0) {
            Timeline.record(member.hazelcast(), TimelineEntry.Kind.SPLIT, address, null, "bus", minorityDetail);
        }
        String detail = since > 0 ? "merged back into the cluster " + (System.currentTimeMillis() - since) / 1000
                + " s after the split; its sessions stopped while it was in the minority" : "merged back into the cluster";
        LOG.info("This member {}", detail);
        Timeline.record(member.hazelcast(), TimelineEntry.Kind.MERGED, address, null, "bus", detail);
        wake();
    }

    private void loop() {
        prepare();
        while (running) {
            try {
                reconcile();
            } catch (HazelcastInstanceNotActiveException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("Placement: reconcile failed, retrying: {}", e.toString());
            }
            try {
                // the tick after a loss's settling time comes as it ends, not up to a tick later: sessions wait for it
                long settled = splitGuard.settledInMillis(System.currentTimeMillis());
                wakeups.tryAcquire(settled > 0 ? Math.min(TICK_MILLIS, settled) : TICK_MILLIS, TimeUnit.MILLISECONDS);
                wakeups.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void reconcile() {
        if (!running) {
            return;
        }
        pump();
        long began = System.nanoTime();
        long now = System.currentTimeMillis();
        if (now >= nextConfigCheckMillis) {
            nextConfigCheckMillis = now + CONFIG_CHECK_MILLIS;
            reloadIfChanged();
        }
        if (now >= nextStatusMillis) {
            nextStatusMillis = now + io.bambus.grid.status.MemberStatus.PUBLISH_MILLIS;
            member.publishStatus();
        }
        if (!deployed) {
            deploy(now); // a refused or failed deployment is reported; sessions go on with what the destination has
        }
        Set<Member> view = member.hazelcast().getCluster().getMembers();
        long housekeeping = System.nanoTime();
        PlacementPlan known = readPlan(view, now);
        boolean majority = majority(view, now);
        long planRead = System.nanoTime();
        if (majority && now >= nextRecordCheckMillis) {
            nextRecordCheckMillis = now + RECORD_CHECK_MILLIS;
            // a source another member has just removed from the shared file must not come back from our older copy
            reloadIfChanged();
            restoreLostRecords();
        }
        BusConfig config = member.config();
        IMap<String, SessionRecord> sessions = member.sessions();
        long recordsChecked = System.nanoTime();
        PlacementPlan current = decide(known, view, majority, now);
        long decided = System.nanoTime();
        // a plan nobody has published yet (a lost entry) stops nothing: keep what runs until the decider says
        Set<String> mine = !majority ? Set.of() : current.published() ? current.sessionsOf(localUuid())
                : new HashSet<>(runners.keySet());
        Map<String, SessionRecord> records = mine.isEmpty() ? Map.of() : sessions.getAll(mine);
        long recordsRead = System.nanoTime();
        ownLoad.update(records, now);
        ownRecords = records;

        for (SessionRunner runner : runners.values()) {
            String id = runner.sessionId();
            if (runner.ended()) {
                runners.remove(id, runner);
                if (runner.fencedBy() >= 0) {
                    floors.merge(id, runner.fencedBy(), Math::max);
                    // a runner asked to stop (its session moved) expects to be fenced by the next member
                    if (runner.fencedWhileRunning() && !runner.stopping() && mine.contains(id)) {
                        takenOverUntil.put(id, now + takenOverWaitMillis);
                    }
                }
                continue;
            }
            SessionRecord record = records.get(id);
            if (!runner.stopping() && (record == null || !record.state().runs() || config.source(id) == null)) {
                String reason = !majority ? "this member is in the minority of a split"
                        : config.source(id) == null ? "its source was removed from the configuration"
                        : !mine.contains(id) ? movedAway(current, id)
                        : record == null ? "its record is gone" : "its state is " + record.state();
                LOG.info("Session '{}' stops on this member: {}", id, reason);
                runner.requestStop(reason);
            }
        }
        lagProbes.update(records, config, now);
        long stopped = System.nanoTime();
        if (!leaving && !splitGuard.settling(now)) {
            startRunners(records, config, now);
        }
        // a session restarted here keeps its figures; one that no longer runs here is no longer published here
        member.figures().retain(runners.keySet());
        long took = System.nanoTime() - began;
        if (took >= SLOW_RECONCILE_NANOS) {
            // where a slow one spends its time (a member's loss with thousands of sessions: which step holds the starts up)
            LOG.info("Placement: a reconcile took {} ms: status and configuration {} ms, plan {} ms, record check {} ms,"
                    + " decision {} ms, reading {} records {} ms, stops {} ms, starts {} ms", took / 1_000_000,
                    (housekeeping - began) / 1_000_000, (planRead - housekeeping) / 1_000_000,
                    (recordsChecked - planRead) / 1_000_000, (decided - recordsChecked) / 1_000_000, records.size(),
                    (recordsRead - decided) / 1_000_000, (stopped - recordsRead) / 1_000_000,
                    (System.nanoTime() - stopped) / 1_000_000);
        }
    }

    /**
     * Starts a runner for each session of {@code records} that should run here and does not. Their
     * epochs are taken all at once (one asynchronous entry processor each); their claims then queue
     * for the session threads, so a thousand sessions start without a storm on the destination.
     */
    private void startRunners(Map<String, SessionRecord> records, BusConfig config, long now) {
        Map<String, java.util.concurrent.CompletableFuture<SessionRecord>> taking = new HashMap<>();
        Member local = member.hazelcast().getCluster().getLocalMember();
        for (Map.Entry<String, SessionRecord> entry : records.entrySet()) {
            String id = entry.getKey();
            if (entry.getValue().state().runs() && !runners.containsKey(id)
                    && takenOverUntil.getOrDefault(id, 0L) <= now) {
                takenOverUntil.remove(id);
                SourceConfig source = config.source(id);
                if (source == null) {
                    if (unknownSources.add(id)) {
                        LOG.warn("Session '{}' is owned by this member but its source is not in {}; add it there to run it here",
                                id, member.configPath());
                    }
                    continue;
                }
                taking.put(id, member.sessions().submitToKey(id, new TakeEpoch(local.getUuid().toString(), Addresses.of(local),
                        floors.getOrDefault(id, 0L), entry.getValue().epoch())).toCompletableFuture());
            }
        }
        if (taking.isEmpty()) {
            return;
        }
        // each session starts as soon as its epoch is taken: one slow answer (its partition still being
        // promoted after a member's loss) holds up none of the others
        java.util.concurrent.BlockingQueue<String> answered = new java.util.concurrent.LinkedBlockingQueue<>();
        taking.forEach((id, future) -> future.whenCompleteAsync((record, error) -> answered.add(id), Callbacks.INLINE));
        long started = System.currentTimeMillis();
        long deadline = started + TAKE_WAIT_MILLIS;
        int startedRunners = 0;
        int left = taking.size();
        while (left > 0) {
            String id;
            try {
                id = answered.poll(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (id == null) {
                break; // the rest are retried next tick
            }
            left--;
            SessionRecord record;
            try {
                record = taking.get(id).join();
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                // a late answer may still have raised the epoch: the next try takes one above it, fencing holds
                epochNotTaken(id, e.getCause() == null ? e : e.getCause());
                continue;
            }
            if (record != null) {
                submitErrors.remove(id);
                startRunner(id, record.epoch(), config, config.source(id));
                startedRunners++;
            }
        }
        if (left > 0) {
            for (Map.Entry<String, java.util.concurrent.CompletableFuture<SessionRecord>> taken : taking.entrySet()) {
                if (!taken.getValue().isDone()) {
                    epochNotTaken(taken.getKey(), new java.util.concurrent.TimeoutException("no answer within "
                            + TAKE_WAIT_MILLIS + " ms"));
                }
            }
        }
        if (taking.size() >= MANY_STARTS) {
            LOG.info("Took epochs for {} sessions in {} ms and started them here ({} not started: retried, or no longer ours)", startedRunners,
                    System.currentTimeMillis() - started, taking.size() - startedRunners);
        }
    }

    private void epochNotTaken(String id, Throwable why) {
        // keyed by kind: a timeout's message names its invocation, different every time
        if (!why.getClass().getName().equals(submitErrors.put(id, why.getClass().getName()))) {
            LOG.warn("Session '{}' could not take an epoch here, retrying every {} ms: {}", id, TICK_MILLIS, why.toString());
        }
    }

    /**
     * Whether this member's side of the cluster holds a majority ({@link SplitGuard}); logs and
     * records the moment it stops (or starts again) having one.
     */
    private boolean majority(Set<Member> view, long now) {
        var cluster = member.hazelcast().getCluster();
        int members = (int) view.stream().filter(m -> !m.isLiteMember()).count();
        boolean majority = splitGuard.update(members, now);
        if (!majority && minoritySinceMillis == 0) {
            minoritySinceMillis = now;
            minorityDetail = "cut off: this member sees " + members + " of the " + splitGuard.agreed()
                    + " members it last agreed with; its sessions stop until it is back in a majority";
            LOG.warn("Split brain: {}", minorityDetail);
            Timeline.record(member.hazelcast(), TimelineEntry.Kind.SPLIT, Addresses.of(cluster.getLocalMember()), null, "bus",
                    minorityDetail);
        } else if (majority && minoritySinceMillis != 0) {
            LOG.info("Split brain over: this member sees {} members, a majority; it runs sessions again", members);
            minoritySinceMillis = 0;
        }
        return majority;
    }

    /**
     * Reads the plan and makes sure it knows this member (ready, or leaving); a member that said it
     * was leaving and is gone from {@code view} left gracefully, which the split guard must not
     * count as a loss.
     */
    private PlacementPlan readPlan(Set<Member> view, long now) {
        PlacementPlan current;
        try {
            IMap<String, PlacementPlan> plans = member.plans();
            current = plans.get(PlacementPlan.KEY);
            current = current == null ? PlacementPlan.EMPTY : current;
            String me = localUuid();
            if (leaving && !current.leaving().containsKey(me)) {
                current = orElse(plans.executeOnKey(PlacementPlan.KEY, new PlanUpdate.Leaving(me, now)), current);
            } else if (!leaving && !current.ready().contains(me)) {
                current = orElse(plans.executeOnKey(PlacementPlan.KEY, new PlanUpdate.Ready(me)), current);
            }
            planReadable = true;
        } catch (HazelcastInstanceNotActiveException e) {
            throw e;
        } catch (RuntimeException e) {
            // the plan's partition is out of reach: go on with the last plan read, decide nothing
            if (planReadable) {
                LOG.warn("Placement: the plan could not be read, running by the last one read: {}", e.toString());
            }
            planReadable = false;
            current = plan;
        }
        decider.saw(view);
        Set<String> present = new HashSet<>();
        view.forEach(m -> present.add(m.getUuid().toString()));
        // only a data member whose sessions had stopped when it shut down left gracefully; one cut off while leaving did not
        for (String uuid : current.left()) {
            if (!present.contains(uuid) && dataMembersSeen.contains(uuid) && departed.add(uuid)) {
                LOG.info("Member {} left gracefully", decider.address(uuid));
                splitGuard.departed();
            }
        }
        departed.retainAll(current.left());
        dataMembersSeen.clear();
        view.stream().filter(m -> !m.isLiteMember()).forEach(m -> dataMembersSeen.add(m.getUuid().toString()));
        return current;
    }

    /** Decides when this member is the one that does (the oldest ready member not leaving); returns the plan to run by. */
    private PlacementPlan decide(PlacementPlan known, Set<Member> view, boolean majority, long now) {
        List<String> data = new ArrayList<>();
        for (Member m : view) {
            if (!m.isLiteMember()) {
                data.add(m.getUuid().toString());
            }
        }
        String decides = data.stream().filter(uuid -> known.ready().contains(uuid) && !known.leaving().containsKey(uuid))
                .findFirst().orElse(null);
        PlacementPlan decided = known;
        if (majority && planReadable && localUuid().equals(decides)) {
            decided = orElse(decider.decide(known, data, now), known);
        }
        plan = decided;
        return decided;
    }

    private static PlacementPlan orElse(PlacementPlan changed, PlacementPlan current) {
        return changed != null ? changed : current;
    }

    private String movedAway(PlacementPlan current, String session) {
        String to = current.assignments().get(session);
        String why = current.reasons().get(session);
        return to == null ? "it is no longer assigned to this member"
                : "moved to " + decider.address(to) + (why == null ? "" : " (" + why + ")");
    }

    private String localUuid() {
        return member.hazelcast().getCluster().getLocalMember().getUuid().toString();
    }

    /** The plan this member last ran by (for status). */
    public PlacementPlan plan() {
        return plan;
    }

    /** Events/s and events waiting of the sessions this member runs, for its status. */
    public double eventsPerSecond() {
        double sum = 0;
        for (String id : ownRecords.keySet()) {
            sum += ownLoad.rate(id);
        }
        return sum;
    }

    public long lagEvents() {
        long sum = 0;
        for (SessionRecord record : ownRecords.values()) {
            sum += Math.max(0, record.lagEvents());
        }
        return sum;
    }

    private void startRunner(String id, long epoch, BusConfig config, SourceConfig source) {
        String address = Addresses.of(member.hazelcast().getCluster().getLocalMember());
        SessionRunner runner = new SessionRunner(id, epoch, config.session(), source, member.destination(), member.sessions(),
                ended -> wake(), (kind, detail) -> Timeline.record(member.hazelcast(), kind, address, id, "bus", detail),
                member.figures().session(id));
        runners.put(id, runner);
        runner.submit(member.scheduler());
    }

    /**
     * The member began a graceful shutdown: start nothing more, tell the deciding member, and wait
     * (at most {@code waitMillis}) until the sessions have moved: each runner stops after its
     * in-flight batch once the plan gives its session to another member. Returns at once when no
     * other member can take them.
     */
    public void leave(long waitMillis) {
        leaving = true;
        String me = localUuid();
        long deadline = System.currentTimeMillis() + waitMillis;
        PlacementPlan current = null;
        try {
            member.plans().submitToKey(PlacementPlan.KEY, new PlanUpdate.Leaving(me, System.currentTimeMillis()))
                    .toCompletableFuture().get(waitMillis, TimeUnit.MILLISECONDS);
            current = member.plans().getAsync(PlacementPlan.KEY).toCompletableFuture()
                    .get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            // the shutdown must go on: the sessions still stop after their batches and are fenced where they run next
            LOG.warn("Could not tell the cluster this member is leaving ({}); its sessions stop with it", e.toString());
            return;
        }
        wake();
        Set<String> present = new HashSet<>();
        member.hazelcast().getCluster().getMembers().forEach(m -> present.add(m.getUuid().toString()));
        PlacementPlan known = current;
        if (known == null || known.ready().stream().noneMatch(uuid -> present.contains(uuid) && !known.leaving().containsKey(uuid))) {
            return; // nobody to hand over to
        }
        while (!runners.isEmpty() && System.currentTimeMillis() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (runners.isEmpty()) {
            try {
                member.plans().submitToKey(PlacementPlan.KEY, new PlanUpdate.Left(me)).toCompletableFuture()
                        .get(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.debug("Departure not marked: {}", e.toString());
            }
        }
    }

    /** Stops every local session, each finishing its in-flight batch; returns them. */
    public Collection<SessionRunner> stopAll(long waitMillis) {
        synchronized (this) {
            running = false;
        }
        wake();
        List<SessionRunner> all = new ArrayList<>(runners.values());
        all.forEach(runner -> runner.requestStop("the member is stopping"));
        long deadline = System.currentTimeMillis() + waitMillis;
        for (SessionRunner runner : all) {
            if (!runner.awaitStopped(Math.max(1, deadline - System.currentTimeMillis()))) {
                LOG.warn("Session '{}' did not finish its batch within {} ms; its job was cancelled (the next owner's epoch fences it)",
                        runner.sessionId(), waitMillis);
            }
        }
        try {
            if (planListener != null) {
                member.plans().removeEntryListener(planListener);
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
        }
        return all;
    }

    private void deploy(long now) {
        if (now < nextDeployMillis) {
            return;
        }
        try {
            new ActivityDeployer(member.destination()).deploy(DefinitionFile.read(member.config().definitions()));
            deployed = true;
            if (deployError != null) {
                LOG.info("Activity definitions deployed");
            }
            deployError = null;
        } catch (Exception e) {
            nextDeployMillis = now + DEPLOY_RETRY_MILLIS;
            String error = DEPLOY_ERROR + " (sessions run with the definitions the destination has;"
                    + " retrying every " + DEPLOY_RETRY_MILLIS / 1000 + " s): " + e.getMessage();
            if (!error.equals(deployError)) {
                LOG.warn("{}", error);
            }
            deployError = error;
        }
    }

    /**
     * A record whose every replica was lost (more members died at once than it has backups) is
     * created again, so its session runs again; its first claim finds the destination's epoch
     * and the next runner takes the epoch above it.
     */
    private void restoreLostRecords() {
        // one key set, not a round trip per source: with 10,000 sources the checks were most of a member's CPU
        Set<String> present = new HashSet<>(member.sessions().keySet()); // the map's key set is a list: contains() scans
        for (SourceConfig source : member.config().sources()) {
            if (!present.contains(source.id())
                    && member.sessions().executeOnKey(source.id(), new CreateRecord(source.enabled())) != null) {
                LOG.warn("Session '{}' had no record (all its replicas were lost); created it again", source.id());
            }
        }
    }

    private void createRecords(BusConfig config) {
        // sent together and then awaited: one round trip's time for thousands of sources, not one each
        List<java.util.concurrent.CompletableFuture<SessionRecord>> creating = new ArrayList<>();
        for (SourceConfig source : config.sources()) {
            creating.add(member.sessions().submitToKey(source.id(), new CreateRecord(source.enabled()))
                    .toCompletableFuture());
        }
        creating.forEach(java.util.concurrent.CompletableFuture::join);
    }

    /** Picks up an edited configuration file: new sources get sessions, removed ones lose them. */
    private void reloadIfChanged() {
        FileTime now = modified();
        if (now == null || now.equals(configModified)) {
            return;
        }
        configModified = now;
        BusConfig reloaded;
        try {
            reloaded = BusConfig.load(member.configPath());
            AlertRules.check(member.configPath().toString(), reloaded.alerts(), DefinitionFile.read(reloaded.definitions()),
                    reloaded.definitions().toString());
        } catch (ConfigException | io.bambus.core.activity.DefinitionException e) {
            configError = e.getMessage();
            LOG.error("Configuration {} changed but is invalid; keeping the running configuration:\n{}", member.configPath(),
                    e.getMessage());
            return;
        }
        configError = null;
        BusConfig old = member.config();
        member.config(reloaded);
        deployed = false;
        unknownSources.clear();
        createRecords(reloaded);
        boolean settingsChanged = !reloaded.session().equals(old.session());
        if (settingsChanged) {
            LOG.info("Session settings changed ({} -> {}): the {} sessions running here restart with them", old.session(),
                    reloaded.session(), runners.size());
        }
        for (SourceConfig source : old.sources()) {
            SourceConfig next = reloaded.source(source.id());
            SessionRunner runner = runners.get(source.id());
            if (next == null) {
                member.sessions().remove(source.id());
                LOG.info("Session '{}' removed: its source is no longer configured", source.id());
            } else if (!next.equals(source) && runner != null) {
                LOG.info("Session '{}' restarts with its changed source settings", source.id());
                runner.requestStop("its source settings changed");
            } else if (settingsChanged && runner != null) {
                // each finishes its batch and claims again under a new epoch with the new settings (no batch is lost)
                runner.requestStop("the session settings changed");
            }
        }
        LOG.info("Configuration {} reloaded: {} sources, {} alert rule(s)", member.configPath(), reloaded.sources().size(),
                reloaded.alerts().rules().size());
    }

    private FileTime modified() {
        try {
            return Files.getLastModifiedTime(member.configPath());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** Wakes the placement loop when the plan changes (a decision, an operator's move). */
    private static final class PlanListener implements com.hazelcast.map.listener.EntryAddedListener<String, PlacementPlan>,
            com.hazelcast.map.listener.EntryUpdatedListener<String, PlacementPlan> {
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
}
