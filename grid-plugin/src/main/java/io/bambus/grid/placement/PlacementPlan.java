package io.bambus.grid.placement;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who runs which session, as the cluster's deciding member (the oldest member whose bus is ready
 * and not leaving) last published it in the map {@value #MAP} under {@value #KEY}. Every member runs
 * the sessions assigned to it and no others; fencing keeps a member acting on an older plan from
 * committing.
 *
 * @param version    raised by every change of {@code assignments} or {@code pins}; a publish based on
 *                   an older version is refused (two members that both believe they decide)
 * @param assignments session id → member uuid
 * @param reasons    why each session moved in the last publish (for the stop on the member it
 *                   leaves), session id → text
 * @param pins       operators' moves (session id → member uuid), kept until the next membership change
 * @param members    the members the last decision balanced over (uuids, oldest first)
 * @param ready      members whose bus has started (only these get sessions)
 * @param leaving    members shutting down gracefully (their sessions move first), uuid → when they said
 *                   so; kept a minute after they left, so every member can tell their departure from a loss
 * @param left       leavers whose sessions had stopped when they shut down (their departure is not a loss)
 * @param automatic  false: only sessions without a live member are placed, nothing is rebalanced
 */
public record PlacementPlan(long version, Map<String, String> assignments, Map<String, String> reasons,
                            Map<String, String> pins, List<String> members, Set<String> ready, Map<String, Long> leaving,
                            Set<String> left, boolean automatic, long decidedMillis) implements Serializable {

    public static final String MAP = "eventbus.placement";
    public static final String KEY = "plan";
    public static final PlacementPlan EMPTY = new PlacementPlan(0, Map.of(), Map.of(), Map.of(), List.of(), Set.of(), Map.of(),
            Set.of(), true, 0);

    public PlacementPlan {
        assignments = Map.copyOf(assignments);
        reasons = Map.copyOf(reasons);
        pins = Map.copyOf(pins);
        members = List.copyOf(members);
        ready = Set.copyOf(ready);
        leaving = Map.copyOf(leaving);
        left = Set.copyOf(left);
    }

    /** Whether a deciding member has published this plan (a lost or new entry has not). */
    public boolean published() {
        return decidedMillis > 0;
    }

    /** The sessions assigned to {@code member}. */
    public Set<String> sessionsOf(String member) {
        Set<String> mine = new java.util.TreeSet<>();
        assignments.forEach((session, owner) -> {
            if (owner.equals(member)) {
                mine.add(session);
            }
        });
        return mine;
    }
}
