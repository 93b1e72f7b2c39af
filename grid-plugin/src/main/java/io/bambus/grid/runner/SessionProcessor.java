package io.bambus.grid.runner;

import com.hazelcast.jet.core.AbstractProcessor;
import com.hazelcast.jet.core.ProcessorMetaSupplier;
import com.hazelcast.jet.core.ProcessorSupplier;
import io.bambus.grid.BusMember;

/**
 * The Jet processor of one session: a source that never emits downstream, because its sink (the
 * destination commit) must be in the same transaction as the checkpoint. It runs the session's
 * loop on a Jet blocking thread until the loop finishes or the job is cancelled.
 */
public final class SessionProcessor extends AbstractProcessor {

    private final String sessionId;
    private final long epoch;
    private SessionLoop loop;
    private SessionRunner runner;

    SessionProcessor(String sessionId, long epoch) {
        this.sessionId = sessionId;
        this.epoch = epoch;
    }

    /** Runs on exactly one member: the one that owns the session's record and submitted the job. */
    static ProcessorMetaSupplier metaSupplier(String sessionId, long epoch, com.hazelcast.cluster.Address member) {
        return ProcessorMetaSupplier.forceTotalParallelismOne(
                ProcessorSupplier.of(() -> new SessionProcessor(sessionId, epoch)), member);
    }

    @Override
    public boolean isCooperative() {
        return false;
    }

    @Override
    protected void init(Context context) {
        BusMember member = BusMember.of(context.hazelcastInstance());
        runner = member == null ? null : member.runner(sessionId, epoch);
        // a job that outlived its runner (superseded by a newer epoch) has nothing to do
        loop = runner == null ? null : runner.openLoop();
    }

    @Override
    public boolean complete() {
        return loop == null || loop.step();
    }

    @Override
    public void close() {
        if (loop != null) {
            loop.close();
        }
        if (runner != null) {
            runner.loopClosed();
        }
    }
}
