package io.bambus.grid.placement;

import com.hazelcast.map.EntryProcessor;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An atomic change of the placement plan, run on the owner of its partition; backups receive the
 * resulting plan. Returns the plan after the change, or null when the change was refused.
 */
public abstract class PlanUpdate implements EntryProcessor<String, PlacementPlan, PlacementPlan> {

    private transient PlacementPlan result;

    /** The new plan, or null to leave it unchanged (and return null). */
    abstract PlacementPlan update(PlacementPlan current);

    @Override
    public final PlacementPlan process(Map.Entry<String, PlacementPlan> entry) {
        PlacementPlan current = entry.getValue() == null ? PlacementPlan.EMPTY : entry.getValue();
        result = update(current);
        if (result != null) {
            entry.setValue(result);
        }
        return result;
    }

    @Override
    public EntryProcessor<String, PlacementPlan, PlacementPlan> getBackupProcessor() {
        return result == null ? null : new SetPlan(result);
    }

    static final class SetPlan implements EntryProcessor<String, PlacementPlan, PlacementPlan> {
        private final PlacementPlan plan;

        SetPlan(PlacementPlan plan) {
            this.plan = plan;
        }

        @Override
        public PlacementPlan process(Map.Entry<String, PlacementPlan> entry) {
            entry.setValue(plan);
            return plan;
        }
    }

    /** A member's bus started (or came back from a split with a new identity): it may get sessions. */
    static final class Ready extends PlanUpdate {
        private final String member;

        Ready(String member) {
            this.member = member;
        }

        @Override
        PlacementPlan update(PlacementPlan p) {
            if (p.ready().contains(member)) {
                return null;
            }
            Set<String> ready = new HashSet<>(p.ready());
            ready.add(member);
            return new PlacementPlan(p.version(), p.assignments(), p.reasons(), p.pins(), p.members(), ready, p.leaving(),
                    p.left(), p.automatic(), p.decidedMillis());
        }
    }

    /** A member shuts down gracefully: its sessions move before it goes. */
    static final class Leaving extends PlanUpdate {
        private final String member;
        private final long millis;

        Leaving(String member, long millis) {
            this.member = member;
            this.millis = millis;
        }

        @Override
        PlacementPlan update(PlacementPlan p) {
            if (p.leaving().containsKey(member)) {
                return null;
            }
            Map<String, Long> leaving = new HashMap<>(p.leaving());
            leaving.put(member, millis);
            return new PlacementPlan(p.version(), p.assignments(), p.reasons(), p.pins(), p.members(), p.ready(), leaving,
                    p.left(), p.automatic(), p.decidedMillis());
        }
    }

    /** A leaving member's sessions have stopped and it shuts down now: its departure is not a loss. */
    static final class Left extends PlanUpdate {
        private final String member;

        Left(String member) {
            this.member = member;
        }

        @Override
        PlacementPlan update(PlacementPlan p) {
            if (p.left().contains(member) || !p.leaving().containsKey(member)) {
                return null;
            }
            Set<String> left = new HashSet<>(p.left());
            left.add(member);
            return new PlacementPlan(p.version(), p.assignments(), p.reasons(), p.pins(), p.members(), p.ready(), p.leaving(),
                    left, p.automatic(), p.decidedMillis());
        }
    }

    /**
     * The deciding member's new assignment, refused when the plan changed since {@code basedOn} (an
     * operator's move, another member's decision). Members in {@code gone} have left the cluster;
     * {@code forgotten} leavers left it long enough ago.
     */
    static final class Publish extends PlanUpdate {
        private final long basedOn;
        private final Map<String, String> assignments;
        private final Map<String, String> reasons;
        private final Map<String, String> pins;
        private final List<String> members;
        private final Set<String> gone;
        private final Set<String> forgotten;
        private final long decidedMillis;

        Publish(long basedOn, Map<String, String> assignments, Map<String, String> reasons, Map<String, String> pins,
                List<String> members, Set<String> gone, Set<String> forgotten, long decidedMillis) {
            this.basedOn = basedOn;
            this.assignments = assignments;
            this.reasons = reasons;
            this.pins = pins;
            this.members = members;
            this.gone = gone;
            this.forgotten = forgotten;
            this.decidedMillis = decidedMillis;
        }

        @Override
        PlacementPlan update(PlacementPlan p) {
            if (p.version() != basedOn) {
                return null;
            }
            Set<String> ready = new HashSet<>(p.ready());
            ready.removeAll(gone);
            Map<String, Long> leaving = new HashMap<>(p.leaving());
            leaving.keySet().removeAll(forgotten);
            Set<String> left = new HashSet<>(p.left());
            left.removeAll(forgotten);
            return new PlacementPlan(p.version() + 1, assignments, reasons, pins, members, ready, leaving, left, p.automatic(),
                    decidedMillis);
        }
    }

    /** An operator moves a session to a member, kept there until the next membership change. */
    public static final class Pin extends PlanUpdate {
        private final String session;
        private final String member;
        private final String reason;

        public Pin(String session, String member, String reason) {
            this.session = session;
            this.member = member;
            this.reason = reason;
        }

        @Override
        PlacementPlan update(PlacementPlan p) {
            if (!p.members().contains(member)) {
                return null;
            }
            Map<String, String> pins = new HashMap<>(p.pins());
            pins.put(session, member);
            Map<String, String> assignments = new HashMap<>(p.assignments());
            assignments.put(session, member);
            return new PlacementPlan(p.version() + 1, assignments, Map.of(session, reason), pins, p.members(), p.ready(),
                    p.leaving(), p.left(), p.automatic(), p.decidedMillis());
        }
    }

    /** An operator turns automatic balancing on or off. */
    public static final class Automatic extends PlanUpdate {
        private final boolean on;

        public Automatic(boolean on) {
            this.on = on;
        }

        @Override
        PlacementPlan update(PlacementPlan p) {
            return new PlacementPlan(p.version() + 1, p.assignments(), Map.of(), p.pins(), p.members(), p.ready(), p.leaving(),
                    p.left(), on, p.decidedMillis());
        }
    }
}
