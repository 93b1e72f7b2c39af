package io.bambus.grid.runner;

import com.hazelcast.cluster.Member;
import com.hazelcast.jet.JetService;
import com.hazelcast.jet.Job;
import com.hazelcast.cluster.Address;
import com.hazelcast.jet.config.JobConfig;
import com.hazelcast.jet.config.JobConfigArguments;
import com.hazelcast.jet.core.DAG;
import com.hazelcast.jet.core.Edge;
import com.hazelcast.jet.core.ProcessorMetaSupplier;
import com.hazelcast.jet.core.ProcessorSupplier;
import com.hazelcast.jet.core.Vertex;
import com.hazelcast.jet.core.processor.Processors;
import com.hazelcast.map.IMap;
import io.bambus.core.apply.Checkpoint;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.SourceConfig;
import io.bambus.grid.metrics.SessionFigures;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.timeline.TimelineEntry;
import java.util.HashSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * This member's handle on one session it runs under one epoch: submits the session's Jet light job,
 * asks it to stop, and knows how it ended. Light jobs are never restarted by Jet; the placement
 * loop starts a new runner (with a new epoch) when this one has ended and the session is still ours.
 */
public final class SessionRunner {

    private static final Logger LOG = LogManager.getLogger(SessionRunner.class);

    private final String sessionId;
    private final long epoch;
    private final BusConfig config;
    private final SourceConfig source;
    private final DataSource destination;
    private final IMap<String, SessionRecord> sessions;
    private final Consumer<SessionRunner> onEnd;
    private final BiConsumer<TimelineEntry.Kind, String> timeline;
    private final SessionFigures figures;
    private final CountDownLatch loopClosed = new CountDownLatch(1);

    private volatile Job job;
    private volatile boolean stopRequested;
    private volatile boolean loopOpened;
    private volatile boolean ended;
    private volatile long fencedBy = -1;
    private volatile boolean fencedWhileRunning;
    private volatile Checkpoint lastCheckpoint;

    public SessionRunner(String sessionId, long epoch, BusConfig config, SourceConfig source, DataSource destination,
                         IMap<String, SessionRecord> sessions, Consumer<SessionRunner> onEnd,
                         BiConsumer<TimelineEntry.Kind, String> timeline, SessionFigures figures) {
        this.sessionId = sessionId;
        this.epoch = epoch;
        this.config = config;
        this.source = source;
        this.destination = destination;
        this.sessions = sessions;
        this.onEnd = onEnd;
        this.timeline = timeline;
        this.figures = figures;
    }

    public void submit(JetService jet, Member localMember) {
        Job submitted = jet.newLightJob(dag(sessionId, epoch, localMember.getAddress()), localOnly());
        job = submitted;
        submitted.getFuture().whenComplete((result, error) -> {
            ended = true;
            if (!loopOpened) {
                loopClosed.countDown();
            }
            if (error != null && !stopRequested && fencedBy < 0) {
                LOG.info("Session '{}' job (epoch {}) ended: {}", sessionId, epoch, rootMessage(error));
            }
            onEnd.accept(this);
        });
    }

    /**
     * The session's job: its processor on this member, plus an edge to a no-op vertex on this member
     * alone. With the job argument {@link #localOnly()} Jet prunes every other member from the
     * job's participants, so another member's loss does not cancel it. (Jet's supported way,
     * {@code JobBuilder.withMemberSelector}, is Enterprise-only: "Isolated Jobs".)
     */
    static DAG dag(String sessionId, long epoch, Address local) {
        DAG dag = new DAG();
        Vertex session = dag.newVertex("session-" + sessionId, SessionProcessor.metaSupplier(sessionId, epoch, local))
                .localParallelism(1);
        Vertex end = dag.newVertex("end", ProcessorMetaSupplier.forceTotalParallelismOne(
                ProcessorSupplier.of(Processors.noopP()), local)).localParallelism(1);
        dag.edge(Edge.between(session, end).distributeTo(local));
        return dag;
    }

    /** An empty job of the sessions' shape on this member alone: warms Jet up on a member that just started. */
    public static DAG warmUpDag(Address local) {
        DAG dag = new DAG();
        Vertex start = dag.newVertex("warm-up", ProcessorMetaSupplier.forceTotalParallelismOne(
                ProcessorSupplier.of(Processors.noopP()), local)).localParallelism(1);
        Vertex end = dag.newVertex("end", ProcessorMetaSupplier.forceTotalParallelismOne(
                ProcessorSupplier.of(Processors.noopP()), local)).localParallelism(1);
        dag.edge(Edge.between(start, end).distributeTo(local));
        return dag;
    }

    /**
     * Member pruning, as Hazelcast's SQL engine uses it: no partition is required, so the job's
     * participants are only the targets of {@code distributeTo} edges. An internal argument, not a
     * public API: {@code LocalJobsIT} fails if an upgrade drops it.
     */
    public static JobConfig localOnly() {
        return new JobConfig().setArgument(JobConfigArguments.KEY_REQUIRED_PARTITIONS, new HashSet<Integer>());
    }

    SessionLoop openLoop() {
        if (stopRequested || ended) {
            return null;
        }
        loopOpened = true;
        return new SessionLoop(this, config, source, destination, sessions);
    }

    void loopClosed() {
        loopClosed.countDown();
    }

    void claimed(Checkpoint checkpoint) {
        lastCheckpoint = checkpoint;
    }

    void committed(Checkpoint checkpoint) {
        lastCheckpoint = checkpoint;
    }

    void fenced(long recordedEpoch, boolean whileRunning) {
        fencedWhileRunning = whileRunning;
        fencedBy = recordedEpoch;
    }

    /** Asks the loop to finish its in-flight batch and stop, for {@code reason}; does not wait. */
    public void requestStop(String reason) {
        if (!stopRequested) {
            stopRequested = true;
            timeline.accept(TimelineEntry.Kind.SESSION_STOPPED, reason);
        }
    }

    /** Records a change of this session in the cluster's timeline. */
    void record(TimelineEntry.Kind kind, String detail) {
        timeline.accept(kind, detail);
    }

    /** Waits until the loop has finished (in-flight batch done, source pool closed); cancels the job after the wait. */
    public boolean awaitStopped(long timeoutMillis) {
        try {
            boolean stopped = loopClosed.await(timeoutMillis, TimeUnit.MILLISECONDS);
            Job current = job;
            if (!stopped && current != null) {
                current.cancel();
            }
            return stopped;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public String sessionId() {
        return sessionId;
    }

    public long epoch() {
        return epoch;
    }

    public boolean ended() {
        return ended;
    }

    /** Whether the runner was asked to stop (it finishes its in-flight batch first). */
    public boolean stopping() {
        return stopRequested;
    }

    /** The destination epoch that fenced this runner off, or -1. */
    public long fencedBy() {
        return fencedBy;
    }

    /** Whether another runner took the session over while this one ran (not merely an old epoch at the first claim). */
    public boolean fencedWhileRunning() {
        return fencedWhileRunning;
    }

    public Checkpoint lastCheckpoint() {
        return lastCheckpoint;
    }

    /** What this member measures of the session (its loop writes them). */
    SessionFigures figures() {
        return figures;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
