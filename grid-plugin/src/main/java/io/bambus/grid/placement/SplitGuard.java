package io.bambus.grid.placement;

/**
 * Whether this member's side of the cluster may run sessions. A side runs while it holds a strict
 * majority of the last membership that itself had one ("agreed"): in a split of three or more
 * members, the minority stops and only the majority takes sessions over, so no session ping-pongs
 * between the halves. The agreed size grows with every join at once, but follows a loss only once
 * the smaller membership has held for {@link #SETTLE_MILLIS}: a cut-off member drops its peers one
 * heartbeat deadline at a time (3 → 2 → 1), and must not take the first step as a new agreement.
 * A member that said it is leaving ({@link #departed}) lowers the agreed size at once.
 * An even split (exactly half of the agreed members, 1 of 2 or 2 of 4) has no majority: the side
 * that wins it runs ({@link Witness}: the lost members proven dead, or the witness lease held), the
 * other stops (docs/plugin.md, "Network partitions").
 */
final class SplitGuard {

    /** How long a smaller membership must hold before it is agreed, and before new sessions start on it. */
    static final long SETTLE_MILLIS = 3_000;

    private int agreed;
    private int last;
    private long lastChangeMillis;

    /**
     * Takes the current number of (data) members; returns whether this side may run sessions.
     * {@code evenSplitWon} is asked only when this side has exactly half of the agreed members.
     */
    synchronized boolean update(int members, long nowMillis, java.util.function.BooleanSupplier evenSplitWon) {
        if (members != last) {
            last = members;
            lastChangeMillis = nowMillis;
        }
        if (agreed > 2 && members * 2 < agreed) {
            return false;
        }
        if (agreed >= 2 && members * 2 == agreed && !evenSplitWon.getAsBoolean()) {
            return false;
        }
        if (members >= agreed || nowMillis - lastChangeMillis >= SETTLE_MILLIS) {
            agreed = members;
        }
        return true;
    }

    /** Whether the last update saw exactly half of the agreed members (an even split, or one loss of two). */
    synchronized boolean even() {
        return agreed >= 2 && last * 2 == agreed;
    }

    /**
     * Whether the membership shrank below the agreed size (of three or more) too recently to tell a
     * loss from the first step of a split: running sessions go on, new ones wait.
     */
    synchronized boolean settling(long nowMillis) {
        return agreed > 2 && last < agreed && nowMillis - lastChangeMillis < SETTLE_MILLIS;
    }

    /** In how many ms {@link #settling} ends (0 when it does not settle now). */
    synchronized long settledInMillis(long nowMillis) {
        return settling(nowMillis) ? Math.max(1, SETTLE_MILLIS - (nowMillis - lastChangeMillis)) : 0;
    }

    /** A member that announced its graceful shutdown has left: not a split, the agreed size follows at once. */
    synchronized void departed() {
        if (agreed > 0) {
            agreed--;
        }
    }

    synchronized int agreed() {
        return agreed;
    }
}
