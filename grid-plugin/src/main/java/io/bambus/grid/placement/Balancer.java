package io.bambus.grid.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who should run which session: a pure, deterministic function of the members (oldest first), the
 * runnable sessions, the current assignment, the operator's pins and the measured loads.
 *
 * <p>Count balance (TDDS: ⌈sessions / members⌉): members' counts differ by at most one. Moves are
 * minimal: the most loaded members keep the larger shares, every member keeps as many of its
 * sessions as its share allows (its busiest ones, so moves interrupt the least work), and only
 * the surplus and the sessions of lost members move, each to the member furthest below its share.
 *
 * <p>Load balance: one swap (or, where counts allow, one move) at a time from the member carrying
 * the most events/s to the one carrying the least, only when the busiest member carries more than
 * {@link Load#overMean} times the mean and the swap lowers its load by at least {@link Load#minGain}
 * of it. Every move lowers the highest member load, so moves cannot cycle; the thresholds keep
 * measurement noise from starting new ones, and the caller lets a moved session rest
 * ({@code BalancerTest} runs 500 noisy rounds).
 */
public final class Balancer {

    private Balancer() {
    }

    /** Why a session moves. */
    public enum Reason {
        /** A new (or resumed) session without a member. */
        PLACED,
        /** Its member left or is leaving. */
        MEMBER_GONE,
        /** Count balance after a membership change, or after sessions were added or resumed. */
        REBALANCE,
        /** Load balance. */
        LOAD,
        /** Its member cannot run it (its configuration lacks the source, or its sessions' job does not run). */
        CANNOT_RUN
    }

    /** One session that changes member; {@code from} is null for a session that had none. */
    public record Move(String session, String from, String to, Reason reason) {
    }

    /** The load thresholds (events/s): see the class comment. */
    public record Load(double overMean, double minGain, double minRate) {
        public static final Load DEFAULT = new Load(1.5, 0.2, 20.0);
    }

    /**
     * Count balance. {@code automatic} false places only sessions without a (live) member and moves
     * nothing else. Pinned sessions stay on their pinned member (when it is one of {@code members}).
     */
    public static Map<String, String> balance(List<String> members, List<String> sessions, Map<String, String> current,
                                              Map<String, String> pins, Map<String, Double> load, boolean automatic,
                                              List<Move> moves) {
        return balance(members, sessions, current, pins, load, automatic, Map.of(), moves);
    }

    /**
     * Count balance where {@code unable} (member → sessions it cannot run) says who cannot take a
     * session: such a session neither stays on nor goes to that member, nor follows a pin there,
     * unless no member can run it (then it stays where it is, or is placed as usual).
     */
    public static Map<String, String> balance(List<String> members, List<String> sessions, Map<String, String> current,
                                              Map<String, String> pins, Map<String, Double> load, boolean automatic,
                                              Map<String, Set<String>> unable, List<Move> moves) {
        Map<String, String> next = new LinkedHashMap<>();
        if (members.isEmpty()) {
            return next;
        }
        Set<String> live = Set.copyOf(members);
        Map<String, List<String>> held = new LinkedHashMap<>();
        members.forEach(m -> held.put(m, new ArrayList<>()));
        Map<String, Integer> pinned = new HashMap<>();
        List<String> pool = new ArrayList<>();
        for (String session : sessions) {
            String pin = pins.get(session);
            String owner = current.get(session);
            boolean runnableSomewhere = members.stream().anyMatch(m -> can(unable, m, session));
            if (pin != null && live.contains(pin) && (can(unable, pin, session) || !runnableSomewhere)) {
                next.put(session, pin);
                pinned.merge(pin, 1, Integer::sum);
                if (!pin.equals(owner)) {
                    moves.add(new Move(session, owner, pin, Reason.REBALANCE));
                }
            } else if (owner != null && live.contains(owner) && (can(unable, owner, session) || !runnableSomewhere)) {
                held.get(owner).add(session);
            } else {
                pool.add(session);
            }
        }
        Comparator<String> busiestFirst = Comparator.<String>comparingDouble(s -> -load.getOrDefault(s, 0.0))
                .thenComparing(Comparator.naturalOrder());
        Map<String, Integer> count = new HashMap<>();
        for (String member : members) {
            count.put(member, held.get(member).size() + pinned.getOrDefault(member, 0));
        }
        Map<String, Integer> quota = new HashMap<>();
        if (automatic) {
            // shares go to the members that can run sessions at all; one that can run none gets none
            List<String> capable = members.stream().filter(m -> sessions.stream().anyMatch(s -> can(unable, m, s))).toList();
            List<String> sharing = capable.isEmpty() ? members : capable;
            int total = sessions.size();
            int base = total / sharing.size();
            int extra = total % sharing.size();
            // the members that hold the most keep the larger shares: fewest moves
            List<String> byCount = new ArrayList<>(sharing);
            byCount.sort(Comparator.<String>comparingInt(m -> -count.get(m)).thenComparingInt(members::indexOf));
            members.forEach(m -> quota.put(m, 0));
            for (int i = 0; i < byCount.size(); i++) {
                quota.put(byCount.get(i), base + (i < extra ? 1 : 0));
            }
        }
        List<String> surplus = new ArrayList<>();
        Map<String, String> surplusOwner = new HashMap<>();
        // a member keeps first what fewest members can run (what it alone can run cannot go elsewhere), then its busiest:
        // with every member able to run everything, simply its busiest
        Comparator<String> keepFirst = Comparator.<String>comparingLong(session -> members.stream()
                .filter(m -> can(unable, m, session)).count()).thenComparing(busiestFirst);
        for (String member : members) {
            List<String> mine = held.get(member);
            mine.sort(keepFirst);
            int keep = automatic ? Math.max(0, quota.get(member) - pinned.getOrDefault(member, 0)) : mine.size();
            for (int i = 0; i < mine.size(); i++) {
                if (i < keep) {
                    next.put(mine.get(i), member);
                } else {
                    surplus.add(mine.get(i));
                    surplusOwner.put(mine.get(i), member);
                }
            }
            count.put(member, Math.min(mine.size(), keep) + pinned.getOrDefault(member, 0));
        }
        // a session above its member's share moves only where a member that can run it has a free place in its share;
        // else it stays. Each one moving reserves a place: with every member able to run everything the places below the
        // shares are exactly the surplus and the sessions without a member, so all of the surplus moves (count balance)
        Map<String, Integer> reserved = new HashMap<>();
        for (String session : surplus) {
            String owner = surplusOwner.get(session);
            String place = members.stream().filter(m -> !m.equals(owner) && can(unable, m, session)
                    && count.get(m) + reserved.getOrDefault(m, 0) < quota.get(m)).findFirst().orElse(null);
            if (place != null) {
                reserved.merge(place, 1, Integer::sum);
                pool.add(session);
            } else {
                next.put(session, owner);
                count.merge(owner, 1, Integer::sum);
            }
        }
        // the sessions fewest members can run go first (with every member able to run everything: busiest first)
        pool.sort(keepFirst);
        Map<String, Double> memberLoad = new HashMap<>();
        next.forEach((session, member) -> memberLoad.merge(member, load.getOrDefault(session, 0.0), Double::sum));
        for (String session : pool) {
            List<String> able = members.stream().filter(m -> can(unable, m, session)).toList();
            // the member furthest below its share; then the least loaded; then the oldest
            String to = (able.isEmpty() ? members : able).stream().min(Comparator
                    .<String>comparingInt(m -> automatic ? count.get(m) - quota.get(m) : count.get(m))
                    .thenComparingDouble(m -> memberLoad.getOrDefault(m, 0.0))
                    .thenComparingInt(members::indexOf)).orElseThrow();
            next.put(session, to);
            count.merge(to, 1, Integer::sum);
            memberLoad.merge(to, load.getOrDefault(session, 0.0), Double::sum);
            String from = current.get(session);
            Reason reason = from == null ? Reason.PLACED : !live.contains(from) ? Reason.MEMBER_GONE
                    : !can(unable, from, session) ? Reason.CANNOT_RUN : Reason.REBALANCE;
            moves.add(new Move(session, from, to, reason));
        }
        return next;
    }

    /** Whether {@code member} can run {@code session} as far as {@code unable} knows. */
    public static boolean can(Map<String, Set<String>> unable, String member, String session) {
        Set<String> cannot = unable.get(member);
        return cannot == null || !cannot.contains(session);
    }

    /**
     * At most one load move (a swap is two moves) on top of a count-balanced {@code assignment}, or
     * none. Sessions in {@code resting} or {@code pinned} do not move.
     */
    public static List<Move> loadMoves(List<String> members, Map<String, String> assignment, Map<String, Double> load,
                                       Set<String> resting, Set<String> pinned, Load thresholds) {
        return loadMoves(members, assignment, load, resting, pinned, thresholds, Map.of());
    }

    /** {@link #loadMoves} that never moves a session to a member {@code unable} to run it. */
    public static List<Move> loadMoves(List<String> members, Map<String, String> assignment, Map<String, Double> load,
                                       Set<String> resting, Set<String> pinned, Load thresholds,
                                       Map<String, Set<String>> unable) {
        if (members.size() < 2) {
            return List.of();
        }
        Map<String, Double> memberLoad = new HashMap<>();
        Map<String, List<String>> sessionsOf = new HashMap<>();
        members.forEach(m -> {
            memberLoad.put(m, 0.0);
            sessionsOf.put(m, new ArrayList<>());
        });
        assignment.forEach((session, member) -> {
            if (memberLoad.containsKey(member)) {
                memberLoad.merge(member, load.getOrDefault(session, 0.0), Double::sum);
                sessionsOf.get(member).add(session);
            }
        });
        String hot = members.stream().max(Comparator.<String>comparingDouble(memberLoad::get)
                .thenComparingInt(m -> -members.indexOf(m))).orElseThrow();
        String cold = members.stream().min(Comparator.<String>comparingDouble(memberLoad::get)
                .thenComparingInt(members::indexOf)).orElseThrow();
        double hotLoad = memberLoad.get(hot);
        double coldLoad = memberLoad.get(cold);
        double mean = memberLoad.values().stream().mapToDouble(Double::doubleValue).sum() / members.size();
        if (hot.equals(cold) || hotLoad < thresholds.minRate() || hotLoad <= thresholds.overMean() * mean) {
            return List.of();
        }
        boolean plainMoveAllowed = sessionsOf.get(hot).size() > sessionsOf.get(cold).size();
        List<String> coldCandidates = new ArrayList<>(sessionsOf.get(cold));
        coldCandidates.removeIf(s -> resting.contains(s) || pinned.contains(s));
        if (plainMoveAllowed) {
            coldCandidates.add(null);
        }
        Move best = null;
        Move bestBack = null;
        double bestMax = hotLoad;
        List<String> hotSessions = new ArrayList<>(sessionsOf.get(hot));
        hotSessions.sort(Comparator.naturalOrder());
        coldCandidates.sort(Comparator.nullsFirst(Comparator.naturalOrder()));
        for (String s : hotSessions) {
            if (resting.contains(s) || pinned.contains(s)) {
                continue;
            }
            double ws = load.getOrDefault(s, 0.0);
            if (!can(unable, cold, s)) {
                continue;
            }
            for (String t : coldCandidates) {
                if (t != null && !can(unable, hot, t)) {
                    continue;
                }
                double wt = t == null ? 0.0 : load.getOrDefault(t, 0.0);
                double delta = ws - wt;
                if (delta <= 0) {
                    continue;
                }
                double newMax = Math.max(hotLoad - delta, coldLoad + delta);
                if (newMax < bestMax) {
                    bestMax = newMax;
                    best = new Move(s, hot, cold, Reason.LOAD);
                    bestBack = t == null ? null : new Move(t, cold, hot, Reason.LOAD);
                }
            }
        }
        if (best == null || hotLoad - bestMax < thresholds.minGain() * hotLoad) {
            return List.of();
        }
        return bestBack == null ? List.of(best) : List.of(best, bestBack);
    }
}
