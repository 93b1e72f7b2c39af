package io.bambus.grid.placement;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.map.IMap;
import io.bambus.grid.timeline.Timeline;
import io.bambus.grid.timeline.TimelineEntry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Who runs what, as this member sees it each round: reads the placement plan (and keeps this
 * member in it as ready or leaving), tells whether its side of the cluster holds a majority
 * ({@link SplitGuard}), and, on the deciding member (the oldest ready member not leaving), has
 * the {@link Decider} publish a new plan. The rules of the plan are the Decider's and the
 * {@link Balancer}'s; this class only says which plan to run by. Used by the placement loop's
 * thread alone, but for the status getters.
 */
final class Coordinator {

    private static final Logger LOG = LogManager.getLogger(Coordinator.class);

    /** What one round saw: the plan to run by, and whether this member may run sessions at all. */
    record Round(PlacementPlan plan, boolean majority) {
    }

    private final IMap<String, PlacementPlan> plans;
    private final Decider decider;
    private final String localUuid;
    private final Timeline.Writer timeline;
    private final Witness witness;
    private final SplitGuard splitGuard = new SplitGuard();
    /** The data members of the last agreed membership and their member addresses: whom an even split lost. */
    private final Map<String, InetSocketAddress> agreedMembers = new HashMap<>();
    /** Lost members whose port refused a connection in the current split (dead, or behind a rejecting firewall). */
    private final Set<String> refusing = new HashSet<>();
    /** Whether this split's "they are dead, this side runs" was logged (once per split, not every round). */
    private boolean deadAnnounced;
    /** Members seen leaving gracefully and gone, already taken off the split guard's agreed size. */
    private final Set<String> departed = new HashSet<>();
    /** The data members of the last view (a lite member's leave must not lower the agreed size). */
    private final Set<String> dataMembersSeen = new HashSet<>();
    private boolean planReadable = true;
    private volatile PlacementPlan plan = PlacementPlan.EMPTY;
    /** Since when this member has been on the minority side of a split (0: it is not). */
    private volatile long minoritySinceMillis;
    private volatile String minorityDetail;
    private volatile boolean leaving;

    Coordinator(IMap<String, PlacementPlan> plans, Decider decider, Witness witness, String localUuid, Timeline.Writer timeline) {
        this.plans = plans;
        this.decider = decider;
        this.witness = witness;
        this.localUuid = localUuid;
        this.timeline = timeline;
    }

    /** Reads the plan, judges the split, decides when this member does; returns what to run by. */
    Round round(Set<Member> view, long now) {
        PlacementPlan known = readPlan(view, now);
        boolean majority = majority(view, now);
        List<String> data = new ArrayList<>();
        for (Member m : view) {
            if (!m.isLiteMember()) {
                data.add(m.getUuid().toString());
            }
        }
        String decides = data.stream().filter(uuid -> known.ready().contains(uuid) && !known.leaving().containsKey(uuid))
                .findFirst().orElse(null);
        PlacementPlan decided = known;
        if (majority && planReadable && localUuid.equals(decides)) {
            decided = orElse(decider.decide(known, data, now), known);
        }
        plan = decided;
        return new Round(decided, majority);
    }

    /**
     * Reads the plan and makes sure it knows this member (ready, or leaving); a member that said it
     * was leaving and is gone from {@code view} left gracefully, which the split guard must not
     * count as a loss.
     */
    private PlacementPlan readPlan(Set<Member> view, long now) {
        PlacementPlan current;
        try {
            current = plans.get(PlacementPlan.KEY);
            current = current == null ? PlacementPlan.EMPTY : current;
            if (leaving && !current.leaving().containsKey(localUuid)) {
                current = orElse(plans.executeOnKey(PlacementPlan.KEY, new PlanUpdate.Leaving(localUuid, now)), current);
            } else if (!leaving && !current.ready().contains(localUuid)) {
                current = orElse(plans.executeOnKey(PlacementPlan.KEY, new PlanUpdate.Ready(localUuid)), current);
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

    /**
     * Whether this member's side of the cluster holds a majority ({@link SplitGuard}); logs and
     * records the moment it stops (or starts again) having one.
     */
    private boolean majority(Set<Member> view, long now) {
        List<Member> data = view.stream().filter(m -> !m.isLiteMember()).toList();
        int members = data.size();
        String side = data.isEmpty() ? localUuid : data.get(0).getUuid().toString();
        // the oldest member keeps its side's lease fresh (on the witness's thread), so that an even split finds it held
        witness.side(side, side.equals(localUuid));
        boolean majority = splitGuard.update(members, now, () -> evenSplitWon(data, side));
        if (!majority && !splitGuard.even()) {
            witness.side(side, false); // a strict minority's lease would keep a later even split from the majority
        }
        if (splitGuard.agreed() == members) {
            agreedMembers.clear();
            data.forEach(m -> agreedMembers.put(m.getUuid().toString(), m.getSocketAddress()));
            refusing.clear();
            deadAnnounced = false;
        }
        if (!majority && minoritySinceMillis == 0) {
            minoritySinceMillis = now;
            minorityDetail = splitGuard.even()
                    ? "an even split: this member sees " + members + " of the " + splitGuard.agreed() + " members it last"
                    + " agreed with, and the other side holds the split witness (bam_witness); its sessions stop until"
                    + " it is back with the others or the other side's lease runs out"
                    : "cut off: this member sees " + members + " of the " + splitGuard.agreed()
                    + " members it last agreed with; its sessions stop until it is back in a majority";
            LOG.warn("Split brain: {}", minorityDetail);
            timeline.record(TimelineEntry.Kind.SPLIT, null, minorityDetail);
        } else if (majority && minoritySinceMillis != 0) {
            LOG.info("Split brain over: this member sees {} members, a majority; it runs sessions again", members);
            minoritySinceMillis = 0;
        }
        return majority;
    }

    /**
     * Whether this side (exactly half of the agreed members) wins the even split: its oldest member
     * holds the witness lease, or every member it lost refuses connections and no other side renews
     * the lease (they are dead: a kill -9 costs about a second, not a lease).
     */
    private boolean evenSplitWon(List<Member> data, String side) {
        if (witness.sideHolds(side)) {
            return true;
        }
        Set<String> present = new HashSet<>();
        data.forEach(m -> present.add(m.getUuid().toString()));
        boolean allRefused = !agreedMembers.isEmpty();
        for (Map.Entry<String, InetSocketAddress> lost : agreedMembers.entrySet()) {
            if (present.contains(lost.getKey()) || refusing.contains(lost.getKey())) {
                continue;
            }
            if (Witness.refused(localAddress(data), lost.getValue())) {
                refusing.add(lost.getKey());
                LOG.info("Member {} refuses connections (dead, or a firewall rejects them)", decider.address(lost.getKey()));
            } else {
                allRefused = false;
            }
        }
        // a refusal alone is no proof (a rejecting firewall refuses too): the other side must also have stopped renewing
        boolean won = allRefused && witness.othersSilent(side);
        if (won && !deadAnnounced) {
            deadAnnounced = true;
            LOG.info("Members {} refuse connections and the split witness's holder stopped renewing it: they are dead, not"
                    + " cut off; this side runs", refusing.stream().map(decider::address).toList());
        }
        return won;
    }

    /** This member's address for cluster traffic (a probe must take the way the cluster's traffic takes). */
    private java.net.InetAddress localAddress(List<Member> data) {
        for (Member m : data) {
            if (m.localMember()) {
                return m.getSocketAddress().getAddress();
            }
        }
        return null; // any local address
    }

    /** Ends the witness's thread (the placement loop stops). */
    void close() {
        witness.close();
    }

    /** Whether a loss is still settling: no session starts until it has (a cut-off member must not take its peers'). */
    boolean settling(long now) {
        return splitGuard.settling(now);
    }

    /** When the settling of a loss ends (0: none settles): the loop's next round comes then. */
    long settledInMillis(long now) {
        return splitGuard.settledInMillis(now);
    }

    /**
     * The member merged back into the cluster after a split: the timeline (which the minority's half
     * could not keep) gets the story now.
     */
    void merged() {
        long since = minoritySinceMillis;
        if (since > 0) {
            timeline.record(TimelineEntry.Kind.SPLIT, null, minorityDetail);
        }
        String detail = since > 0 ? "merged back into the cluster " + (System.currentTimeMillis() - since) / 1000
                + " s after the split; its sessions stopped while it was in the minority" : "merged back into the cluster";
        LOG.info("This member {}", detail);
        timeline.record(TimelineEntry.Kind.MERGED, null, detail);
    }

    /** Why a session no longer runs here, for the log. */
    String movedAway(PlacementPlan current, String session) {
        String to = current.assignments().get(session);
        String why = current.reasons().get(session);
        return to == null ? "it is no longer assigned to this member"
                : "moved to " + decider.address(to) + (why == null ? "" : " (" + why + ")");
    }

    /** The plan this member last ran by (for status). */
    PlacementPlan plan() {
        return plan;
    }

    boolean leaving() {
        return leaving;
    }

    /**
     * Marks this member leaving (no session starts here any more) and returns the plan that says so,
     * or null when it cannot be told (the shutdown goes on; fencing holds where the sessions run next).
     */
    PlacementPlan leave(long waitMillis) {
        leaving = true;
        long deadline = System.currentTimeMillis() + waitMillis;
        try {
            plans.submitToKey(PlacementPlan.KEY, new PlanUpdate.Leaving(localUuid, System.currentTimeMillis()))
                    .toCompletableFuture().get(waitMillis, TimeUnit.MILLISECONDS);
            return plans.getAsync(PlacementPlan.KEY).toCompletableFuture()
                    .get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            LOG.warn("Could not tell the cluster this member is leaving ({}); its sessions stop with it", e.toString());
            return null;
        }
    }

    /** Whether a member of {@code view} other than this one can take sessions by {@code known}. */
    boolean someoneTakesOver(PlacementPlan known, Set<String> present) {
        return known.ready().stream().anyMatch(uuid -> present.contains(uuid) && !known.leaving().containsKey(uuid));
    }

    /** This member's sessions have moved: it left gracefully (the split guard does not count it as a loss). */
    void left(BooleanSupplier stillRunsSomething) {
        if (stillRunsSomething.getAsBoolean()) {
            return;
        }
        try {
            plans.submitToKey(PlacementPlan.KEY, new PlanUpdate.Left(localUuid)).toCompletableFuture().get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("Departure not marked: {}", e.toString());
        }
    }

    private static PlacementPlan orElse(PlacementPlan changed, PlacementPlan current) {
        return changed != null ? changed : current;
    }
}
