package io.bambus.grid.runner;

import com.hazelcast.cluster.Address;
import com.hazelcast.jet.JetService;
import com.hazelcast.jet.Job;
import com.hazelcast.jet.core.DAG;
import com.hazelcast.jet.core.Edge;
import com.hazelcast.jet.core.ProcessorMetaSupplier;
import com.hazelcast.jet.core.ProcessorSupplier;
import com.hazelcast.jet.core.Vertex;
import com.hazelcast.jet.core.processor.Processors;
import io.bambus.core.db.SourcePools;
import io.bambus.core.runner.ClaimCombiner;
import io.bambus.core.runner.SessionMover;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs every session of this member on a fixed pool of session threads, however many sessions
 * there are. Each session is a {@link SessionLoop} whose step does one bounded piece of JDBC work
 * and says when it is due again; a due session waits in one delay queue. The member's one Jet job,
 * {@code bambus-sessions}, is the engine: its cooperative {@link PumpProcessor} hands due sessions
 * to the session threads and never blocks. A session is stepped by one thread at a time.
 *
 * <p>Threads: {@code sessions.threads} session threads, plus Jet's own; connections: at most one
 * source and one destination connection per session thread. The sessions of one source server
 * (and user) hold at most {@link #perServerLimit} threads at once, so a server that hangs cannot
 * hold up the sessions of the others. Owned and closed by the member.
 *
 * <p>Longer than the project's ~300 lines on purpose: {@code Slot} (one session's place) and
 * {@code ServerShare} (one server's share of the threads) are inner classes that take and hand on
 * each other's places under their locks; the whole locking protocol is read in one file.
 */
public final class SessionScheduler implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(SessionScheduler.class);
    static final String JOB_NAME = "bambus-sessions";
    /**
     * Before the pump job is submitted again after it ended or a submission failed (it should not end
     * while the member runs): 1 s, doubled after each failure up to {@value #MAX_RESUBMIT_MILLIS} ms.
     */
    private static final long RESUBMIT_MILLIS = 1_000;
    private static final long MAX_RESUBMIT_MILLIS = 60_000;
    /** A pump silent this long means this member cannot run sessions now: its status says so, they move. */
    private static final long PUMP_STALLED_NANOS = 15_000_000_000L;
    /** At most this many first claims waiting for a thread go in one bulk claim with the one that got a thread. */
    private static final int CLAIMS_TOGETHER = 500;
    /** A pump that has not run for this long (Jet shutting down, or a long pause) is not relied on for a stop request. */
    private static final long PUMP_SILENT_NANOS = 500_000_000L;

    private final ThreadPoolExecutor threads;
    private final DelayQueue<Slot> due = new DelayQueue<>();
    private final java.util.Set<Slot> slots = ConcurrentHashMap.newKeySet();
    private final SourcePools sourcePools;
    /** The first claims of sessions on one source database, combined (a member's loss moves thousands at once). */
    private final ClaimCombiners combiners = new ClaimCombiners();
    private final int perServerLimit;
    /** Each source server's steps in flight and the sessions waiting for its share of the threads. */
    private final java.util.Map<Object, ServerShare> shares = new ConcurrentHashMap<>();
    private final CountDownLatch pumping = new CountDownLatch(1);
    private volatile boolean closed;
    /** When the pump last ran (nanos): a pump that has not run for a while (Jet stopping it) is not relied on. */
    private volatile long lastPumpNanos;
    private volatile Job job;
    private volatile int jobsSubmitted;
    private long nextSubmitMillis;
    private long resubmitMillis = RESUBMIT_MILLIS;
    /** When the pump job was first submitted (nanos; 0: not yet). */
    private volatile long firstSubmitNanos;

    public SessionScheduler(int sessionThreads, SourcePools sourcePools) {
        this.sourcePools = sourcePools;
        // a quarter of the threads (at least one) stays for the other servers' sessions
        this.perServerLimit = Math.max(1, sessionThreads - Math.max(1, sessionThreads / 4));
        AtomicInteger number = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(sessionThreads, sessionThreads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                runnable -> {
                    Thread thread = new Thread(runnable, "bambus-session-" + number.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /**
     * Submits the pump job unless it runs (called by the placement loop every tick); a job that ended
     * while the member runs is submitted again, and its sessions wait meanwhile, losing nothing.
     */
    public void ensurePumping(JetService jet, Address local) {
        Job current = job;
        long now = System.currentTimeMillis();
        if (closed || now < nextSubmitMillis) {
            return;
        }
        if (current != null && !current.getFuture().isDone()) {
            if (pumpAlive()) {
                resubmitMillis = RESUBMIT_MILLIS; // running again: the next failure waits 1 s
            }
            return;
        }
        nextSubmitMillis = now + resubmitMillis;
        if (firstSubmitNanos == 0) {
            firstSubmitNanos = System.nanoTime();
        }
        long waited = resubmitMillis;
        resubmitMillis = Math.min(MAX_RESUBMIT_MILLIS, resubmitMillis * 2);
        try {
            job = jet.newLightJob(dag(local), SessionRunner.localOnly());
            jobsSubmitted++;
        } catch (RuntimeException e) {
            LOG.warn("The sessions' Jet job could not be submitted, retrying in {} ms (sessions wait; after {} s their"
                    + " member lets them move): {}", waited, PUMP_STALLED_NANOS / 1_000_000_000L, e.toString());
            return;
        }
        if (current != null) {
            LOG.warn("The sessions' Jet job had ended ({}); submitted it again", outcome(current));
        }
    }

    /** Waits (at most {@code millis}) until the pump job runs: a member says it is ready only then. */
    public boolean awaitPumping(long millis) throws InterruptedException {
        return pumping.await(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * The job: the pump processor on this member alone, with an edge to a no-op vertex there. With
     * {@link SessionRunner#localOnly()} Jet prunes every other member from the job, so another
     * member's loss does not cancel it. ({@code JobBuilder.withMemberSelector} is Enterprise-only.)
     */
    static DAG dag(Address local) {
        DAG dag = new DAG();
        Vertex pump = dag.newVertex(JOB_NAME, ProcessorMetaSupplier.forceTotalParallelismOne(
                ProcessorSupplier.of(PumpProcessor::new), local)).localParallelism(1);
        Vertex end = dag.newVertex("end", ProcessorMetaSupplier.forceTotalParallelismOne(
                ProcessorSupplier.of(Processors.noopP()), local)).localParallelism(1);
        dag.edge(Edge.between(pump, end).distributeTo(local));
        return dag;
    }

    /** Schedules {@code runner}'s loop at once. */
    void add(SessionRunner runner) {
        Slot slot = new Slot(runner, shares.computeIfAbsent(SourcePools.server(runner.sessionId(), runner.source().database()),
                key -> new ServerShare()));
        runner.slot(slot);
        slots.add(slot);
        if (closed) {
            slot.finish();
            return;
        }
        slot.queue(0);
    }

    /**
     * Hands every session that is due to the session threads; called by the pump processor on a
     * Jet cooperative thread, so it must not block.
     */
    void pump() {
        pumping.countDown();
        lastPumpNanos = System.nanoTime();
        Slot slot;
        while ((slot = due.poll()) != null) {
            slot.dequeued();
            if (slot.server.enter(slot)) {
                execute(slot);
            }
        }
    }

    /** Hands a slot that holds one of its server's places to a session thread. */
    private void execute(Slot slot) {
        if (!submit(slot)) {
            slot.server.leave(); // the scheduler closed meanwhile
            slot.finish();
        }
    }

    private boolean submit(Slot slot) {
        try {
            threads.execute(slot);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            return false;
        }
    }

    boolean closed() {
        return closed;
    }

    private boolean pumpAlive() {
        Job current = job;
        return !closed && current != null && !current.getFuture().isDone()
                && System.nanoTime() - lastPumpNanos < PUMP_SILENT_NANOS;
    }

    /**
     * Whether this member can run sessions now: false once the pump has not run for
     * {@value #PUMP_STALLED_NANOS} ns after it first ran (its job ended and cannot be submitted, or
     * Jet stands still). The member's status says so, and the deciding member moves its sessions.
     */
    public boolean runsSessions() {
        long last = lastPumpNanos;
        long since = last != 0 ? last : firstSubmitNanos; // a job that never ran counts from its first submission
        return closed || since == 0 || System.nanoTime() - since < PUMP_STALLED_NANOS;
    }

    /** How often the pump job was submitted: once, unless it ended while the member ran. */
    public int jobsSubmitted() {
        return jobsSubmitted;
    }

    /**
     * Stops handing out work, finishes every session that is not in a step (its loop closed, its
     * runner ended) and waits up to {@code waitMillis} for the steps in flight; then the pool threads
     * are interrupted. The placement loop has asked each runner to stop before.
     */
    @Override
    public void close() {
        // from here on a stop request is dispatched without the pump (Jet may already have stopped it)
        closed = true;
        for (Slot slot : slots) {
            if (due.remove(slot)) {
                slot.finish();
            }
        }
        threads.shutdown();
        try {
            if (!threads.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Session threads still busy after 10 s at shutdown; interrupting them");
                threads.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            threads.shutdownNow();
        }
        // steps that never started (queued in the executor at shutdown, or re-queued meanwhile) end here
        for (Slot slot : slots) {
            slot.finish();
        }
        Job current = job;
        if (current != null && !current.getFuture().isDone()) {
            try {
                current.getFuture().get(5, TimeUnit.SECONDS); // the pump sees closed() and completes
            } catch (Exception e) {
                current.cancel();
            }
        }
    }

    private static String outcome(Job ended) {
        try {
            ended.getFuture().join();
            return "completed";
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return root.getClass().getSimpleName() + ": " + root.getMessage();
        }
    }

    /**
     * One source server's share of the session threads: at most {@link #perServerLimit} of its
     * sessions' steps in flight. A due session beyond that waits in line, and each step that ends
     * hands its place to the longest waiting one, so every session of a busy server gets its turn
     * (one that was merely looked at again later could lose every race to sessions with a backlog,
     * which come due again at once). Sessions waiting for their claim (taken over after a member's
     * loss, or starting) have a line of their own that goes first: a claim is one short step, and
     * until it commits the session is not running anywhere.
     */
    private final class ServerShare {
        private final java.util.ArrayDeque<Slot> claiming = new java.util.ArrayDeque<>();
        private final java.util.ArrayDeque<Slot> waiting = new java.util.ArrayDeque<>();
        private int inFlight;

        /**
         * Takes a place for {@code slot}, or puts it in line and says false. A session asked to stop
         * takes one whatever the limit (its stop is one short step that runs no statement): a stop
         * request that reached it on its way from the delay queue must not wait behind a hung server.
         */
        synchronized boolean enter(Slot slot) {
            if (inFlight >= perServerLimit && !slot.runner.stopping()) {
                (slot.claiming() ? claiming : waiting).add(slot);
                return false;
            }
            inFlight++;
            return true;
        }

        /**
         * Takes up to {@code max} sessions out of the claims' line whose next claim is a first one (a
         * retry after an error resumes its epoch alone); their claims go with another's.
         */
        synchronized List<Slot> takeClaiming(int max) {
            List<Slot> taken = new ArrayList<>();
            for (java.util.Iterator<Slot> line = claiming.iterator(); line.hasNext() && taken.size() < max; ) {
                Slot slot = line.next();
                SessionLoop loop = slot.loop;
                // a session asked to stop stays in line, where its stop request is heard at once
                if (!slot.runner.stopping() && (loop == null || loop.mover().combinable())) {
                    line.remove();
                    taken.add(slot);
                }
            }
            return taken;
        }

        /** Takes {@code slot} out of its line (a stop request for it); false when it is not in one. */
        synchronized boolean remove(Slot slot) {
            return claiming.remove(slot) || waiting.remove(slot);
        }

        /** Takes a place whatever the limit: a stop request, which is one short step. */
        synchronized void force() {
            inFlight++;
        }

        /**
         * Gives a place back, or hands it on to the longest waiting session. A place taken beyond the
         * limit (a stop) is only given back: handed on, it would let one more of the server's sessions
         * run a statement, and on a hung server take a thread the other servers' sessions need.
         */
        void leave() {
            while (true) {
                Slot next;
                synchronized (this) {
                    next = null;
                    if (inFlight <= perServerLimit) {
                        next = claiming.poll();
                        if (next == null) {
                            next = waiting.poll();
                        }
                    }
                    if (next == null) {
                        inFlight--;
                        return;
                    }
                }
                if (submit(next)) {
                    return;
                }
                try {
                    next.finish(); // the scheduler closed: the place goes on to the next in line, who ends too
                } catch (RuntimeException e) {
                    LOG.warn("Session '{}' did not close cleanly at shutdown: {}", next.runner.sessionId(), e.toString());
                }
            }
        }
    }

    /** One session's place in the schedule: waiting in the delay queue or its server's line, handed to a thread, or in a step. */
    final class Slot implements Delayed, Runnable {
        private final SessionRunner runner;
        /** This session's source server's share of the threads. */
        private final ServerShare server;
        /** Written by the session thread, read by the pump (claims go first). */
        private volatile SessionLoop loop;
        private boolean opened;
        private boolean finished;
        /** Guarded by this: in the delay queue; a wake-up came while it was not. */
        private boolean queued;
        private boolean woken;
        private boolean stepping;
        private volatile long dueAtMillis;

        Slot(SessionRunner runner, ServerShare server) {
            this.runner = runner;
            this.server = server;
        }

        synchronized void queue(long atMillis) {
            if (woken) {
                woken = false;
                if (!pumpAlive()) {
                    // a stop request while the member shuts down (Jet ended the pump): step again on a thread now
                    dispatchNow();
                    return;
                }
                atMillis = 0;
            }
            dueAtMillis = atMillis;
            queued = true;
            due.add(this);
        }

        /** Hands the slot to a session thread without the pump; it is in no queue. */
        private void dispatchNow() {
            queued = false;
            server.force();
            execute(this);
        }

        /** Whether the session's next step is its claim (it has none yet, or lost it to an error). */
        boolean claiming() {
            SessionLoop current = loop;
            return current == null || !current.claimed();
        }

        synchronized void dequeued() {
            queued = false;
        }

        /** Brings the session forward to now (a stop request), or right after its step in flight. */
        synchronized void wake() {
            if (queued && due.remove(this)) {
                if (pumpAlive()) {
                    dueAtMillis = 0;
                    due.add(this);
                    return;
                }
                // the member is shutting down and Jet has ended the job: a stop request must still be heard
                dispatchNow();
            } else if (server.remove(this)) {
                // waiting in its server's line (the server's share is taken, perhaps by a hung server's
                // steps): the stop is heard now, beyond the share; it is one short step
                dispatchNow();
            } else {
                woken = true; // in a step, or on its way to one: queued at once after it
            }
        }

        @Override
        public void run() {
            synchronized (this) {
                woken = false;
                if (finished) {
                    server.leave();
                    return;
                }
                stepping = true;
            }
            long next;
            try {
                open();
                if (wantsFirstClaim()) {
                    claimTogether();
                }
                next = loop == null || closed ? SessionLoop.FINISHED : loop.step();
            } catch (Throwable e) {
                LOG.error("Session '{}' stopped on this member by an unexpected error (it starts again): {}", runner.sessionId(),
                        e.toString(), e);
                next = SessionLoop.FINISHED;
            }
            synchronized (this) {
                stepping = false;
            }
            server.leave();
            if (next == SessionLoop.FINISHED || closed) {
                finish();
            } else {
                queue(next);
            }
        }

        /** Whether the session's next step is a first claim that can go with others' (opened, not stopping). */
        private boolean wantsFirstClaim() {
            SessionLoop current = loop;
            return current != null && !closed && current.mover().combinable() && !runner.stopping();
        }

        private void open() {
            if (!opened) {
                opened = true;
                loop = runner.openLoop(sourcePools, combiners);
            }
        }

        /**
         * Hands this session's first claim to its combiner together with those of the sessions of its
         * server waiting for a thread in the claims' line (a member's loss, a start): one bulk claim
         * for hundreds instead of one each. Each of them then steps on as usual; its claim step finds
         * its claim made.
         */
        private void claimTogether() throws InterruptedException {
            List<Slot> borrowed = server.takeClaiming(CLAIMS_TOGETHER - 1);
            Map<ClaimCombiner, List<SessionMover>> byCombiner = new java.util.IdentityHashMap<>();
            byCombiner.computeIfAbsent(loop.mover().combiner(), c -> new ArrayList<>()).add(loop.mover());
            List<Slot> lent = new ArrayList<>();
            int handled = 0;
            try {
                for (Slot other : borrowed) {
                    handled++;
                    if (!other.borrow()) {
                        continue; // finished meanwhile
                    }
                    lent.add(other);
                    try {
                        other.open();
                    } catch (RuntimeException e) {
                        // its own step opens it again and says why; the others' claims go on
                        LOG.warn("Session '{}' could not be prepared for a combined claim: {}", other.runner.sessionId(),
                                e.toString());
                        continue;
                    }
                    if (other.wantsFirstClaim()) {
                        byCombiner.computeIfAbsent(other.loop.mover().combiner(), c -> new ArrayList<>()).add(other.loop.mover());
                    }
                }
                for (Map.Entry<ClaimCombiner, List<SessionMover>> group : byCombiner.entrySet()) {
                    group.getKey().claimTogether(group.getValue());
                }
            } finally {
                // each steps on its own: its claim step takes what was claimed for it (or claims alone)
                for (Slot other : lent) {
                    other.giveBack();
                }
                // taken out of the line but never lent (an error on the way): back in the schedule, due at once
                for (Slot other : borrowed.subList(handled, borrowed.size())) {
                    other.queue(0);
                }
            }
        }

        /** Takes this slot, waiting in its server's line, for another slot's step; false when it has finished. */
        private boolean borrow() {
            synchronized (this) {
                if (finished) {
                    return false;
                }
                stepping = true;
                return true;
            }
        }

        /** Ends a {@link #borrow}: the slot is due at once. */
        private void giveBack() {
            synchronized (this) {
                stepping = false;
            }
            if (closed) {
                finish();
            } else {
                queue(0);
            }
        }

        /** Closes the loop (returning its source pool lease) and ends the runner; once, and never during a step. */
        void finish() {
            synchronized (this) {
                if (finished || stepping) {
                    return; // a step in flight finishes the slot itself when it sees the scheduler closed
                }
                finished = true;
            }
            slots.remove(this);
            try {
                if (loop != null) {
                    loop.close();
                }
            } finally {
                runner.loopClosed();
            }
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueAtMillis - System.currentTimeMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(dueAtMillis, ((Slot) other).dueAtMillis);
        }
    }
}
