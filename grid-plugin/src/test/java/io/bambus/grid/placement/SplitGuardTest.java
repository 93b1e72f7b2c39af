package io.bambus.grid.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SplitGuardTest {

    private static final long SETTLED = SplitGuard.SETTLE_MILLIS;

    @Test
    void theMinorityOfThreeStopsAndTheMajorityRuns() {
        SplitGuard cutOff = new SplitGuard();
        SplitGuard majority = new SplitGuard();
        assertTrue(cutOff.update(3, 0));
        assertTrue(majority.update(3, 0));
        assertFalse(cutOff.update(1, 1_000), "one of three is a minority");
        assertTrue(majority.update(2, 1_000), "two of three is a majority");
        assertTrue(majority.settling(1_500), "new sessions wait until the loss has settled");
        assertEquals(SETTLED - 500, majority.settledInMillis(1_500), "the placement loop wakes as the settling ends");
        assertFalse(majority.settling(1_000 + SETTLED));
        assertEquals(0, majority.settledInMillis(1_000 + SETTLED));
        assertFalse(cutOff.update(1, 50_000), "it stays a minority while cut off");
        assertTrue(cutOff.update(3, 60_000), "merged back");
        assertTrue(majority.update(3, 60_000));
    }

    @Test
    void aCutOffMemberThatDropsItsPeersOneAtATimeStaysStopped() {
        SplitGuard cutOff = new SplitGuard();
        cutOff.update(3, 0);
        assertTrue(cutOff.update(2, 1_000), "the first removal alone looks like a loss");
        assertTrue(cutOff.settling(1_000), "but starts nothing new");
        assertFalse(cutOff.update(1, 2_500), "the second removal, before the first settled: a minority of three");
        assertFalse(cutOff.update(1, 2_500 + 10 * SETTLED));
    }

    @Test
    void settledLossesOneAtATimeKeepTheSurvivorsRunningDownToOne() {
        SplitGuard guard = new SplitGuard();
        assertTrue(guard.update(1, 0));
        assertTrue(guard.update(2, 0));
        assertTrue(guard.update(3, 0));
        assertTrue(guard.update(2, 1_000), "a loss of one of three");
        assertTrue(guard.update(2, 1_000 + SETTLED), "settled: two members agreed");
        assertTrue(guard.update(1, 20_000), "of two members nobody can tell a dead peer from a cut one: both run, fenced");
    }

    @Test
    void twoOfFiveIsAMinorityAndThreeOfFiveIsNot() {
        SplitGuard small = new SplitGuard();
        SplitGuard large = new SplitGuard();
        small.update(5, 0);
        large.update(5, 0);
        assertFalse(small.update(2, 1_000));
        assertTrue(large.update(3, 1_000));
        assertTrue(large.update(3, 1_000 + SETTLED));
        assertTrue(large.update(2, 30_000), "then a loss of one of three");
    }
}
