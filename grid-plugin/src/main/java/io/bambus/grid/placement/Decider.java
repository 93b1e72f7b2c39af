package io.bambus.grid.placement;

import com.hazelcast.cluster.Member;
import com.hazelcast.map.IMap;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.status.MemberStatus;
import io.bambus.grid.timeline.TimelineEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The deciding member's half of placement: on every tick while this member decides, it reads the
 * session records, measures their load and publishes a new {@link PlacementPlan} when the
 * {@link Balancer} changes the assignment. Only the oldest ready member that is not leaving
 * decides; a publish based on an older plan is refused, so two members that both believe they
 * decide (a moment after a membership change) cannot both win.
 */
final class Decider {

    private static final Logger LOG = LogManager.getLogger(Decider.class);
    /** How long a session moved for load stays where it went. */
    static final long LOAD_REST_MILLIS = 10 * 60_000;
    /** Load is judged at most this often, and not this soon after a membership change (rates are disturbed). */
    static final long LOAD_INTERVAL_MILLIS = 60_000;
    /** How long a member that left gracefully stays in the plan's leaving list. */
    static final long FORGET_LEAVER_MILLIS = 60_000;

    interface TimelineSink {
        void record(TimelineEntry.Kind kind, String member, String session, String detail);
    }

    private final IMap<String, PlacementPlan> plans;
    private final IMap<String, SessionRecord> sessions;
    /** The members' published statuses: which sources each has, and whether it runs sessions at all. */
    private final IMap<String, MemberStatus> statuses;
    /** Member → the sessions it cannot run, from its status when the records were last read. */
    private Map<String, Set<String>> unable = Map.of();
    /** Member → why it cannot run its {@link #unable} sessions: null for "its configuration lacks the source". */
    private Map<String, String> unableWhy = Map.of();
    private final boolean loadBalance;
    private final Balancer.Load thresholds;
    private final TimelineSink timeline;
    private final LoadMeter meter = new LoadMeter();
    private final Map<String, Long> restingUntil = new HashMap<>();
    /** Addresses of members seen, so a lost member's sessions can name it. */
    private final Map<String, String> addresses = new HashMap<>();
    private long nextLoadMillis;
    private Map<String, Double> weights = Map.of();
    /**
     * The records the last plan was made from, and when they were read. Reading every record is the
     * decider's largest cost (3,000 records every 500 ms took seconds a tick on a busy 2-core
     * machine), so they serve the next ticks for {@link #RECORDS_REFRESH_MILLIS} unless the
     * membership changed or the plan needs publishing: a new session is placed within that time.
     */
    private Map<String, SessionRecord> records = Map.of();
    private long recordsReadMillis;
    /** How long the records read for one plan serve the next ticks when nothing about the members changed. */
    static final long RECORDS_REFRESH_MILLIS = 2_000;

    Decider(IMap<String, PlacementPlan> plans, IMap<String, SessionRecord> sessions, IMap<String, MemberStatus> statuses,
            boolean loadBalance, Balancer.Load thresholds, TimelineSink timeline) {
        this.plans = plans;
        this.sessions = sessions;
        this.statuses = statuses;
        this.loadBalance = loadBalance;
        this.thresholds = thresholds;
        this.timeline = timeline;
    }

    /** Remembers the members' addresses (every member does this on every tick: any may decide next). */
    void saw(Set<Member> members) {
        if (addresses.size() > 10_000) {
            addresses.clear(); // uuids of members long gone (each restart or merge brings a new one)
        }
        for (Member m : members) {
            addresses.put(m.getUuid().toString(), io.bambus.grid.status.Addresses.of(m));
        }
    }

    String address(String uuid) {
        return addresses.getOrDefault(uuid, uuid);
    }

    /**
     * Decides on {@code plan} for the cluster's data members {@code cluster} (oldest first); returns
     * the published plan, or null when nothing changed or the publish was refused.
     */
    PlacementPlan decide(PlacementPlan plan, List<String> cluster, long now) {
        List<String> members = new ArrayList<>();
        for (String uuid : cluster) {
            if (plan.ready().contains(uuid) && !plan.leaving().containsKey(uuid)) {
                members.add(uuid);
            }
        }
        Set<String> alive = Set.copyOf(cluster);
        Set<String> gone = new HashSet<>(plan.ready());
        gone.removeAll(alive);
        Set<String> forgotten = new HashSet<>();
        plan.leaving().forEach((uuid, since) -> {
            if (!alive.contains(uuid) && since < now - FORGET_LEAVER_MILLIS) {
                forgotten.add(uuid);
            }
        });

        if (!members.equals(plan.members()) || !gone.isEmpty() || !forgotten.isEmpty() || !plan.published()
                || now - recordsReadMillis >= RECORDS_REFRESH_MILLIS || now < recordsReadMillis) {
            Map<String, SessionRecord> read = new HashMap<>();
            sessions.entrySet().forEach(e -> read.put(e.getKey(), e.getValue()));
            records = read;
            recordsReadMillis = now;
            meter.update(records, now);
            weights = meter.weights(records);
            readUnable(members, records.keySet(), plan.assignments());
        }

        // a plan that lost its entry (or a first one) starts from who runs what now: the records' owners
        Map<String, String> current = new HashMap<>(plan.assignments());
        for (SessionRecord record : records.values()) {
            if (!current.containsKey(record.sessionId()) && record.ownerUuid() != null && alive.contains(record.ownerUuid())) {
                current.put(record.sessionId(), record.ownerUuid());
            }
        }
        List<String> runnable = new ArrayList<>();
        List<String> stopped = new ArrayList<>();
        for (SessionRecord record : records.values()) {
            (record.state().runs() ? runnable : stopped).add(record.sessionId());
        }
        runnable.sort(null);
        stopped.sort(null);
        boolean membershipChanged = !members.equals(plan.members());
        Map<String, String> pins = membershipChanged ? Map.of() : new HashMap<>(plan.pins());
        pins.keySet().retainAll(records.keySet());
        List<Balancer.Move> moves = new ArrayList<>();
        Map<String, String> next = new LinkedHashMap<>(Balancer.balance(members, runnable, current, pins, weights,
                plan.automatic(), unable, moves));
        long nextLoad = nextLoadMillis;
        Map<String, Long> rested = new HashMap<>();
        if (membershipChanged) {
            nextLoad = now + LOAD_INTERVAL_MILLIS;
        } else if (loadBalance && plan.automatic() && now >= nextLoadMillis) {
            nextLoad = now + LOAD_INTERVAL_MILLIS / 2;
            restingUntil.values().removeIf(until -> until <= now);
            for (Balancer.Move move : Balancer.loadMoves(members, next, weights, restingUntil.keySet(), pins.keySet(),
                    thresholds, unable)) {
                next.put(move.session(), move.to());
                rested.put(move.session(), now + LOAD_REST_MILLIS);
                moves.add(move);
            }
        }
        // a paused or disabled session keeps its member (a resume runs it at once, and that member measures its
        // lag); one without a live member gets the member with the fewest sessions; neither counts for balance
        for (String id : stopped) {
            String owner = current.get(id);
            if (owner == null || !members.contains(owner)) {
                owner = members.stream().min(java.util.Comparator.<String>comparingLong(m -> next.values().stream()
                        .filter(m::equals).count()).thenComparingInt(members::indexOf)).orElse(null);
            }
            if (owner != null) {
                next.put(id, owner);
            }
        }
        nextLoadMillis = nextLoad;
        if (next.equals(plan.assignments()) && members.equals(plan.members()) && pins.equals(plan.pins()) && gone.isEmpty()
                && forgotten.isEmpty() && plan.published()) {
            return null;
        }
        Map<String, String> reasons = new HashMap<>();
        for (Balancer.Move move : moves) {
            reasons.put(move.session(), reason(move, plan, members));
        }
        PlacementPlan published = plans.executeOnKey(PlacementPlan.KEY,
                new PlanUpdate.Publish(plan.version(), next, reasons, pins, members, gone, forgotten, now));
        if (published == null) {
            return null;
        }
        restingUntil.putAll(rested);
        report(plan, published, moves, reasons);
        return published;
    }

    /**
     * Reads the statuses of {@code members}: a member whose bus file lacks a session's source cannot
     * run that session, and one whose sessions' job has stood still cannot run any. A member with no
     * status (not yet published, or expired) keeps what it holds and gets nothing new.
     */
    private void readUnable(List<String> members, Set<String> sessionIds, Map<String, String> assignments) {
        Map<String, Set<String>> cannot = new HashMap<>();
        Map<String, String> why = new HashMap<>();
        Map<String, MemberStatus> read;
        try {
            read = statuses.getAll(Set.copyOf(members));
        } catch (RuntimeException e) {
            LOG.debug("Member statuses not read this round: {}", e.toString());
            return; // the previous view holds
        }
        for (String member : members) {
            if (!read.containsKey(member)) {
                Set<String> notHeld = new HashSet<>(sessionIds);
                assignments.forEach((session, owner) -> {
                    if (owner.equals(member)) {
                        notHeld.remove(session);
                    }
                });
                cannot.put(member, notHeld);
                why.put(member, "it has published no status yet");
            }
        }
        for (MemberStatus status : read.values()) {
            Set<String> theirs = new HashSet<>(sessionIds);
            if (status.runsSessions()) {
                theirs.removeAll(status.sources());
            } else {
                why.put(status.uuid(), "its sessions' Jet job has not run for 15 s");
            }
            if (!theirs.isEmpty()) {
                cannot.put(status.uuid(), theirs);
            }
        }
        if (!cannot.equals(unable)) {
            cannot.forEach((member, ids) -> {
                Set<String> added = new java.util.TreeSet<>(ids);
                added.removeAll(unable.getOrDefault(member, Set.of()));
                if (!added.isEmpty()) {
                    LOG.log(why.containsKey(member) && why.get(member).startsWith("it has published")
                            ? org.apache.logging.log4j.Level.DEBUG : org.apache.logging.log4j.Level.INFO,
                            "Member {} cannot run {} session(s) ({}): {}", address(member), added.size(),
                            why.getOrDefault(member, "its bus file lacks their sources"),
                            added.size() <= 10 ? added : added.stream().limit(10).toList() + " …");
                }
            });
        }
        unable = cannot;
        unableWhy = why;
    }

    private void report(PlacementPlan before, PlacementPlan after, List<Balancer.Move> moves, Map<String, String> reasons) {
        if (!after.members().equals(before.members())) {
            Map<String, Integer> shares = new LinkedHashMap<>();
            after.members().forEach(m -> shares.put(address(m), 0));
            after.assignments().values().forEach(m -> shares.merge(address(m), 1, Integer::sum));
            LOG.info("Placement over {} member(s): sessions per member {}", after.members().size(), shares);
        }
        for (Balancer.Move move : moves) {
            String detail = reasons.get(move.session());
            if (move.from() == null) {
                LOG.debug("Session '{}' placed on {}", move.session(), address(move.to()));
                continue;
            }
            LOG.info("Session '{}' moves from {} to {}: {}", move.session(), address(move.from()), address(move.to()), detail);
            timeline.record(TimelineEntry.Kind.SESSION_MOVED, address(move.to()), move.session(),
                    "from " + address(move.from()) + " to " + address(move.to()) + ": " + detail);
        }
    }

    private String reason(Balancer.Move move, PlacementPlan plan, List<String> members) {
        return switch (move.reason()) {
            case PLACED -> "placed";
            case MEMBER_GONE -> plan.leaving().containsKey(move.from()) ? "member " + address(move.from()) + " is leaving"
                    : "member " + address(move.from()) + " lost";
            case REBALANCE -> {
                if (plan.pins().containsKey(move.session())) {
                    yield "moved by an operator";
                }
                List<String> joined = new ArrayList<>(members);
                joined.removeAll(plan.members());
                List<String> left = new ArrayList<>(plan.members());
                left.removeAll(members);
                if (!joined.isEmpty()) {
                    yield "rebalance after " + String.join(", ", joined.stream().map(this::address).toList()) + " joined";
                }
                if (!left.isEmpty()) {
                    yield "rebalance after " + String.join(", ", left.stream().map(this::address).toList()) + " left";
                }
                yield plan.pins().isEmpty() ? "rebalance (sessions added, resumed or balancing turned on)"
                        : "rebalance around the sessions an operator moved " + new java.util.TreeSet<>(plan.pins().keySet());
            }
            case CANNOT_RUN -> "member " + address(move.from()) + " cannot run it: " + unableWhy.getOrDefault(move.from(),
                    "its bus file has no source '" + move.session() + "'");
            case LOAD -> String.format(Locale.ROOT, "load: %s carried %.1f events/s, %s %.1f", address(move.from()),
                    load(move.from(), plan), address(move.to()), load(move.to(), plan));
        };
    }

    private double load(String member, PlacementPlan plan) {
        double sum = 0;
        for (Map.Entry<String, String> e : plan.assignments().entrySet()) {
            if (e.getValue().equals(member)) {
                sum += weights.getOrDefault(e.getKey(), 0.0);
            }
        }
        return sum;
    }
}
