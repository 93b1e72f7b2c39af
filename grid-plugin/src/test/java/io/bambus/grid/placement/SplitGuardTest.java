package io.bambus.grid.placement;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SplitGuardTest {

    @Test
    void theMinorityOfThreeStopsAndTheMajorityRuns() {
        SplitGuard cutOff = new SplitGuard();
        SplitGuard majority = new SplitGuard();
        assertTrue(cutOff.update(3));
        assertTrue(majority.update(3));
        assertFalse(cutOff.update(1), "one of three is a minority");
        assertTrue(majority.update(2), "two of three is a majority");
        assertFalse(cutOff.update(1), "it stays a minority while cut off");
        assertTrue(cutOff.update(3), "merged back");
        assertTrue(majority.update(3));
    }

    @Test
    void lossesOneAtATimeKeepTheSurvivorsRunningDownToOne() {
        SplitGuard guard = new SplitGuard();
        assertTrue(guard.update(1));
        assertTrue(guard.update(2));
        assertTrue(guard.update(3));
        assertTrue(guard.update(2), "a loss of one of three");
        assertTrue(guard.update(1), "of two members, nobody can tell a dead peer from a cut one: both run, fenced");
    }

    @Test
    void twoOfFiveIsAMinorityAndThreeOfFiveIsNot() {
        SplitGuard small = new SplitGuard();
        SplitGuard large = new SplitGuard();
        small.update(5);
        large.update(5);
        assertFalse(small.update(2));
        assertTrue(large.update(3));
        assertTrue(large.update(2), "then a loss of one of three");
    }
}
