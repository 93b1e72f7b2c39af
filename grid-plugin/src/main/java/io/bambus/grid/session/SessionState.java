package io.bambus.grid.session;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** A session's state in its record. The allowed moves are listed here and nowhere else. */
public enum SessionState {
    /** Owned and moving events (or idle with nothing to move). */
    RUNNING,
    /** Owned but its last attempt failed (source or destination unreachable); retrying with back-off. */
    FAILING,
    /** Stopped by an operator; resumes where it stopped. */
    PAUSED,
    /** Not run: disabled in configuration or by an operator. */
    DISABLED;

    private static final Map<SessionState, Set<SessionState>> MOVES = Map.of(
            RUNNING, EnumSet.of(FAILING, PAUSED, DISABLED),
            FAILING, EnumSet.of(RUNNING, PAUSED, DISABLED),
            PAUSED, EnumSet.of(RUNNING, DISABLED),
            DISABLED, EnumSet.of(RUNNING));

    public boolean canMoveTo(SessionState next) {
        return this == next || MOVES.get(this).contains(next);
    }

    /** Whether the owner of the record runs the session. */
    public boolean runs() {
        return this == RUNNING || this == FAILING;
    }
}
