package io.bambus.grid.runner;

import com.hazelcast.jet.core.AbstractProcessor;
import io.bambus.grid.BusMember;

/**
 * The processor of the member's sessions job: a cooperative source that emits nothing (each
 * session's sink, the destination commit, is in the same transaction as its checkpoint) and on
 * every call hands the sessions that are due to the member's session threads. It never blocks, so
 * it shares Jet's cooperative threads with any other job; it completes when the member's
 * {@link SessionScheduler} closes.
 */
final class PumpProcessor extends AbstractProcessor {

    private SessionScheduler scheduler;

    @Override
    protected void init(Context context) {
        BusMember member = BusMember.of(context.hazelcastInstance());
        scheduler = member == null ? null : member.scheduler();
    }

    @Override
    public boolean complete() {
        if (scheduler == null || scheduler.closed()) {
            return true;
        }
        scheduler.pump();
        return false;
    }
}
