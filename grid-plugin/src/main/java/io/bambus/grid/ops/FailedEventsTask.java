package io.bambus.grid.ops;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import io.bambus.core.apply.FailedEvents;
import io.bambus.core.sql.Identifiers;
import io.bambus.grid.BusMember;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Retries or discards failed events on a member, through its destination pool (clients such as
 * the UI only read the destination). Returns the {@link FailedEvents.Retry} results for a retry,
 * the discarded {@link FailedEvents.Row}s for a discard.
 */
public final class FailedEventsTask implements Callable<ArrayList<? extends Serializable>>, HazelcastInstanceAware,
        Serializable {

    private static final Logger LOG = LogManager.getLogger(FailedEventsTask.class);

    public enum Action { RETRY, DISCARD }

    private final Action action;
    private final FailedEvents.Filter filter;
    private final String actor;
    private transient HazelcastInstance hz;

    public FailedEventsTask(Action action, FailedEvents.Filter filter, String actor) {
        this.action = action;
        this.filter = filter;
        this.actor = actor;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hz) {
        this.hz = hz;
    }

    @Override
    public ArrayList<? extends Serializable> call() throws Exception {
        BusMember member = BusMember.of(hz);
        if (member == null) {
            throw new IllegalStateException("the bus is not running on member " + hz.getCluster().getLocalMember().getAddress()
                    + "; retry when it has started");
        }
        FailedEvents failed = new FailedEvents(member.destination());
        if (action == Action.RETRY) {
            ArrayList<FailedEvents.Retry> results = new ArrayList<>(failed.retry(filter));
            long applied = results.stream().filter(FailedEvents.Retry::applied).count();
            LOG.info("Failed events retried by {}: {} applied, {} still failing ({})", Identifiers.escaped(actor, 100), applied,
                    results.size() - applied, describe(filter));
            return results;
        }
        ArrayList<FailedEvents.Row> discarded = new ArrayList<>(failed.discard(filter));
        LOG.info("Failed events discarded by {}: {} ({})", Identifiers.escaped(actor, 100), discarded.size(), describe(filter));
        return discarded;
    }

    /** The filter for a log line: its text came from an operator's form, escaped so it cannot break the line. */
    static String describe(FailedEvents.Filter filter) {
        return "ids=" + filter.ids() + " session=" + Identifiers.escaped(filter.sessionId(), 100) + " activity="
                + Identifiers.escaped(filter.activity(), 100) + " reason contains " + Identifiers.escaped(filter.reasonContains(), 200);
    }
}
