package io.bambus.grid.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SplitGuardTest {

    private static final long SETTLED = SplitGuard.SETTLE_MILLIS;
    /** An even split this side wins (its lost peers proven dead, or the witness held); {@link #LOST}: the other side's. */
    private static final java.util.function.BooleanSupplier WON = () -> true;
    private static final java.util.function.BooleanSupplier LOST = () -> false;

    @Test
    void theMinorityOfThreeStopsAndTheMajorityRuns() {
        SplitGuard cutOff = new SplitGuard();
        SplitGuard majority = new SplitGuard();
        assertTrue(cutOff.update(3, 0, WON));
        assertTrue(majority.update(3, 0, WON));
        assertFalse(cutOff.update(1, 1_000, WON), "one of three is a minority");
        assertTrue(majority.update(2, 1_000, WON), "two of three is a majority");
        assertTrue(majority.settling(1_500), "new sessions wait until the loss has settled");
        assertEquals(SETTLED - 500, majority.settledInMillis(1_500), "the placement loop wakes as the settling ends");
        assertFalse(majority.settling(1_000 + SETTLED));
        assertEquals(0, majority.settledInMillis(1_000 + SETTLED));
        assertFalse(cutOff.update(1, 50_000, WON), "it stays a minority while cut off");
        assertTrue(cutOff.update(3, 60_000, WON), "merged back");
        assertTrue(majority.update(3, 60_000, WON));
    }

    @Test
    void aCutOffMemberThatDropsItsPeersOneAtATimeStaysStopped() {
        SplitGuard cutOff = new SplitGuard();
        cutOff.update(3, 0, WON);
        assertTrue(cutOff.update(2, 1_000, WON), "the first removal alone looks like a loss");
        assertTrue(cutOff.settling(1_000), "but starts nothing new");
        assertFalse(cutOff.update(1, 2_500, WON), "the second removal, before the first settled: a minority of three");
        assertFalse(cutOff.update(1, 2_500 + 10 * SETTLED, WON));
    }

    @Test
    void settledLossesOneAtATimeKeepTheSurvivorsRunningDownToOne() {
        SplitGuard guard = new SplitGuard();
        assertTrue(guard.update(1, 0, WON));
        assertTrue(guard.update(2, 0, WON));
        assertTrue(guard.update(3, 0, WON));
        assertTrue(guard.update(2, 1_000, WON), "a loss of one of three");
        assertTrue(guard.update(2, 1_000 + SETTLED, WON), "settled: two members agreed");
        assertTrue(guard.update(1, 20_000, WON), "one of two runs when it wins the even split");
        assertTrue(guard.update(1, 20_000 + SETTLED, WON), "still winning when the loss has settled");
        assertTrue(guard.update(1, 30_000, LOST), "then one member is the agreed membership: no split to win");
    }

    @Test
    void twoOfFiveIsAMinorityAndThreeOfFiveIsNot() {
        SplitGuard small = new SplitGuard();
        SplitGuard large = new SplitGuard();
        small.update(5, 0, WON);
        large.update(5, 0, WON);
        assertFalse(small.update(2, 1_000, WON));
        assertTrue(large.update(3, 1_000, WON));
        assertTrue(large.update(3, 1_000 + SETTLED, WON));
        assertTrue(large.update(2, 30_000, WON), "then a loss of one of three");
    }

    @Test
    void anEvenSplitRunsOnlyOnTheSideThatWinsIt() {
        SplitGuard winner = new SplitGuard();
        SplitGuard loser = new SplitGuard();
        winner.update(2, 0, WON);
        loser.update(2, 0, WON);
        assertTrue(winner.update(1, 1_000, WON));
        assertTrue(winner.even());
        assertFalse(loser.update(1, 1_000, LOST), "before: both halves of two ran");
        assertFalse(loser.update(1, 1_000 + 10 * SETTLED, LOST), "the loser stays stopped, its agreed size kept");
        assertTrue(loser.update(1, 1_000 + 20 * SETTLED, WON), "until it wins (the other side dead, its lease run out)");
        SplitGuard four = new SplitGuard();
        four.update(4, 0, WON);
        assertFalse(four.update(2, 1_000, LOST), "two of four without the witness");
        assertTrue(four.update(2, 1_000, WON), "two of four with it");
    }
}
