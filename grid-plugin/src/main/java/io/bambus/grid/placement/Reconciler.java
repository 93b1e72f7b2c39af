package io.bambus.grid.placement;

import com.hazelcast.map.IMap;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.SourceConfig;
import io.bambus.grid.Callbacks;
import io.bambus.grid.metrics.MemberFigures;
import io.bambus.grid.runner.SessionRunner;
import io.bambus.grid.runner.SessionScheduler;
import io.bambus.grid.session.CreateRecord;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.session.TakeEpoch;
import io.bambus.grid.timeline.Timeline;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Makes this member run exactly the sessions the plan gives it: stops the runners of sessions that
 * are no longer its own (moved, paused, removed, or the member is in a minority), takes a new
 * epoch for each session it gains ({@link TakeEpoch}, all at once) and starts its runner on the
 * member's {@link SessionScheduler}, keeps the fencing floors a runner was fenced by, and creates
 * again the records a loss of every replica took. Used by the placement loop's thread; the runner
 * list is safe to read from others.
 */
final class Reconciler {

    private static final Logger LOG = LogManager.getLogger(Reconciler.class);
    /** How long one round waits for the epochs it takes (the rest are taken at the next). */
    private static final long TAKE_WAIT_MILLIS = 10_000;
    /** From this many sessions started in one round (a start, a member's loss), one line says how long their epochs took. */
    private static final int MANY_STARTS = 10;

    private final IMap<String, SessionRecord> sessions;
    private final SessionScheduler scheduler;
    private final DataSource destination;
    private final MemberFigures figures;
    private final LagProbes lagProbes;
    private final Supplier<BusConfig> config;
    private final String localUuid;
    private final String localAddress;
    private final Timeline.Writer timeline;
    private final Runnable wake;
    /**
     * How long this member waits before it claims again a session another member took over while it
     * ran here: this member may be cut off and not know it yet (failure detection's timeout), and
     * claiming at once would fence the other side's runner, and the two would take turns.
     */
    private final long takenOverWaitMillis;

    private final Map<String, SessionRunner> runners = new ConcurrentHashMap<>();
    /** Destination epochs that fenced our runners: the next epoch must be above them. */
    private final Map<String, Long> floors = new HashMap<>();
    private final Map<String, Long> takenOverUntil = new HashMap<>();
    private final Set<String> unknownSources = new HashSet<>();
    /** The kind of the last epoch-taking error per session, so a persisting one is logged once. */
    private final Map<String, String> submitErrors = new HashMap<>();
    /** This member's own sessions' load, for its status. */
    private final LoadMeter ownLoad = new LoadMeter();
    private volatile Map<String, SessionRecord> ownRecords = Map.of();

    Reconciler(IMap<String, SessionRecord> sessions, SessionScheduler scheduler, DataSource destination, MemberFigures figures,
               LagProbes lagProbes, Supplier<BusConfig> config, String localUuid, String localAddress, Timeline.Writer timeline,
               long takenOverWaitMillis, Runnable wake) {
        this.sessions = sessions;
        this.scheduler = scheduler;
        this.destination = destination;
        this.figures = figures;
        this.lagProbes = lagProbes;
        this.config = config;
        this.localUuid = localUuid;
        this.localAddress = localAddress;
        this.timeline = timeline;
        this.takenOverWaitMillis = takenOverWaitMillis;
        this.wake = wake;
    }

    /**
     * One round: the runners of {@code plan}'s sessions of this member run, no other does; new ones
     * start only when {@code mayStart} (not leaving, no loss settling). Returns how many records it read.
     */
    int reconcile(PlacementPlan plan, boolean majority, boolean mayStart, Coordinator why, long now) {
        BusConfig current = config.get();
        // a plan nobody has published yet (a lost entry) stops nothing: keep what runs until the decider says
        Set<String> mine = !majority ? Set.of() : plan.published() ? plan.sessionsOf(localUuid) : new HashSet<>(runners.keySet());
        Map<String, SessionRecord> records = mine.isEmpty() ? Map.of() : sessions.getAll(mine);
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
            if (!runner.stopping() && (record == null || !record.state().runs() || current.source(id) == null)) {
                String reason = !majority ? "this member is in the minority of a split"
                        : current.source(id) == null ? "its source was removed from the configuration"
                        : !mine.contains(id) ? why.movedAway(plan, id)
                        : record == null ? "its record is gone" : "its state is " + record.state();
                LOG.info("Session '{}' stops on this member: {}", id, reason);
                runner.requestStop(reason);
            }
        }
        lagProbes.update(records, current, now);
        if (mayStart) {
            startRunners(records, current, now);
        }
        // a session restarted here keeps its figures; one that no longer runs here is no longer published here
        figures.retain(runners.keySet());
        return records.size();
    }

    /**
     * Starts a runner for each session of {@code records} that should run here and does not. Their
     * epochs are taken all at once (one asynchronous entry processor each); their claims then queue
     * for the session threads, so a thousand sessions start without a storm on the destination.
     */
    private void startRunners(Map<String, SessionRecord> records, BusConfig current, long now) {
        Map<String, CompletableFuture<SessionRecord>> taking = new HashMap<>();
        for (Map.Entry<String, SessionRecord> entry : records.entrySet()) {
            String id = entry.getKey();
            if (entry.getValue().state().runs() && !runners.containsKey(id) && takenOverUntil.getOrDefault(id, 0L) <= now) {
                takenOverUntil.remove(id);
                if (current.source(id) == null) {
                    if (unknownSources.add(id)) {
                        LOG.warn("Session '{}' is owned by this member but its source is not in its configuration; the"
                                + " deciding member moves it to a member that has it (add the source here to run it here)", id);
                    }
                    continue;
                }
                taking.put(id, sessions.submitToKey(id, new TakeEpoch(localUuid, localAddress, floors.getOrDefault(id, 0L),
                        entry.getValue().epoch())).toCompletableFuture());
            }
        }
        if (taking.isEmpty()) {
            return;
        }
        // each session starts as soon as its epoch is taken: one slow answer (its partition still being
        // promoted after a member's loss) holds up none of the others
        BlockingQueue<String> answered = new LinkedBlockingQueue<>();
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
                break; // the rest are retried next round
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
                startRunner(id, record.epoch(), current, current.source(id));
                startedRunners++;
            }
        }
        if (left > 0) {
            for (Map.Entry<String, CompletableFuture<SessionRecord>> taken : taking.entrySet()) {
                if (!taken.getValue().isDone()) {
                    epochNotTaken(taken.getKey(), new java.util.concurrent.TimeoutException("no answer within "
                            + TAKE_WAIT_MILLIS + " ms"));
                }
            }
        }
        if (taking.size() >= MANY_STARTS) {
            LOG.info("Took epochs for {} sessions in {} ms and started them here ({} not started: retried, or no longer ours)",
                    startedRunners, System.currentTimeMillis() - started, taking.size() - startedRunners);
        }
    }

    private void startRunner(String id, long epoch, BusConfig current, SourceConfig source) {
        SessionRunner runner = new SessionRunner(id, epoch, current.session(), source, destination, sessions, ended -> wake.run(),
                (kind, detail) -> timeline.record(kind, id, detail), figures.session(id));
        runners.put(id, runner);
        runner.submit(scheduler);
    }

    private void epochNotTaken(String id, Throwable why) {
        // keyed by kind: a timeout's message names its invocation, different every time
        if (!why.getClass().getName().equals(submitErrors.put(id, why.getClass().getName()))) {
            LOG.warn("Session '{}' could not take an epoch here, retrying every round: {}", id, why.toString());
        }
    }

    /** Creates the records of the configured sources that have none (sent together, then awaited). */
    void createRecords(BusConfig current) {
        List<CompletableFuture<SessionRecord>> creating = new ArrayList<>();
        for (SourceConfig source : current.sources()) {
            creating.add(sessions.submitToKey(source.id(), new CreateRecord(source.enabled())).toCompletableFuture());
        }
        creating.forEach(CompletableFuture::join);
    }

    /**
     * A record whose every replica was lost (more members died at once than it has backups) is
     * created again, so its session runs again; its first claim finds the destination's epoch
     * and the next runner takes the epoch above it.
     */
    void restoreLostRecords() {
        // one key set, not a round trip per source: with 10,000 sources the checks were most of a member's CPU
        Set<String> present = new HashSet<>(sessions.keySet()); // the map's key set is a list: contains() scans
        for (SourceConfig source : config.get().sources()) {
            if (!present.contains(source.id()) && sessions.executeOnKey(source.id(), new CreateRecord(source.enabled())) != null) {
                LOG.warn("Session '{}' had no record (all its replicas were lost); created it again", source.id());
            }
        }
    }

    /** The bus file changed: new sources get records, removed ones lose them, sessions with changed settings restart. */
    void configChanged(BusConfig old, BusConfig reloaded) {
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
                sessions.remove(source.id());
                LOG.info("Session '{}' removed: its source is no longer configured", source.id());
            } else if (!next.equals(source) && runner != null) {
                LOG.info("Session '{}' restarts with its changed source settings", source.id());
                runner.requestStop("its source settings changed");
            } else if (settingsChanged && runner != null) {
                // each finishes its batch and claims again under a new epoch with the new settings (no batch is lost)
                runner.requestStop("the session settings changed");
            }
        }
    }

    Collection<SessionRunner> runners() {
        return List.copyOf(runners.values());
    }

    boolean running() {
        return !runners.isEmpty();
    }

    /** Stops every local session, each finishing its in-flight batch (at most {@code waitMillis}); returns them. */
    Collection<SessionRunner> stopAll(long waitMillis) {
        List<SessionRunner> all = new ArrayList<>(runners.values());
        all.forEach(runner -> runner.requestStop("the member is stopping"));
        long deadline = System.currentTimeMillis() + waitMillis;
        for (SessionRunner runner : all) {
            if (!runner.awaitStopped(Math.max(1, deadline - System.currentTimeMillis()))) {
                LOG.warn("Session '{}' did not finish its batch within {} ms; its job was cancelled (the next owner's epoch"
                        + " fences it)", runner.sessionId(), waitMillis);
            }
        }
        return all;
    }

    /** Events/s of the sessions this member runs, for its status. */
    double eventsPerSecond() {
        double sum = 0;
        for (String id : ownRecords.keySet()) {
            sum += ownLoad.rate(id);
        }
        return sum;
    }

    /** Events waiting in the sources of the sessions this member runs, for its status. */
    long lagEvents() {
        long sum = 0;
        for (SessionRecord record : ownRecords.values()) {
            sum += Math.max(0, record.lagEvents());
        }
        return sum;
    }
}
