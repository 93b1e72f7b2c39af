package io.bambus.grid.placement;

/**
 * Whether this member's side of the cluster may run sessions. A side runs while it holds a strict
 * majority of the last membership that itself had one ("agreed"): in a split of three or more
 * members, the minority stops and only the majority takes sessions over, so no session ping-pongs
 * between the halves. The agreed size follows the cluster down only through majorities (a loss of
 * one member of three, then of one of two), and up with every join. With two or fewer agreed
 * members nothing can tell a dead peer from a cut one, so both sides run and fencing keeps them
 * from committing twice (README, "Network partitions").
 */
final class SplitGuard {

    private int agreed;

    /** Takes the current number of (data) members; returns whether this side may run sessions. */
    synchronized boolean update(int members) {
        if (agreed <= 2 || members * 2 > agreed) {
            agreed = members;
            return true;
        }
        return false;
    }

    synchronized int agreed() {
        return agreed;
    }
}
