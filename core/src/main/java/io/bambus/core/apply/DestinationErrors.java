package io.bambus.core.apply;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Set;

/**
 * Sorts what a batch threw: the destination's state (the batch is retried, the session pauses)
 * versus an event's doing (the applier isolates the event and quarantines it).
 */
final class DestinationErrors {

    private static final int DEADLOCK = 1213;
    private static final int LOCK_WAIT_TIMEOUT = 1205;

    /**
     * Server states no event causes: read-only (1290, 1836, 1792), too many connections (1040),
     * shutdown (1053), table or disk full (1114, 1021), storage engine error (1030), killed or
     * interrupted (1927, 1317, 1969, 3024, 4031), and statement binlog refusing READ COMMITTED (1665).
     */
    private static final Set<Integer> SERVER_STATES = Set.of(1290, 1836, 1792, 1040, 1053, 1114, 1021, 1030, 1927,
            1317, 1969, 3024, 4031, 1665);

    private DestinationErrors() {
    }

    /** Another transaction was in the way: the whole transaction is worth retrying at once. */
    static boolean contended(Throwable e) {
        for (SQLException s : chain(e)) {
            if (s.getErrorCode() == DEADLOCK || s.getErrorCode() == LOCK_WAIT_TIMEOUT || "40001".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The connection, the server or the schema failed, not an event: splitting the batch would
     * quarantine every event, so the batch is given back to the session to retry later.
     */
    static boolean unavailable(Throwable e) {
        for (SQLException s : chain(e)) {
            String state = s.getSQLState() == null ? "" : s.getSQLState();
            if (s instanceof SQLRecoverableException || s instanceof SQLTransientException
                    || state.startsWith("08") || state.startsWith("40") || state.startsWith("42") || state.startsWith("70")
                    || s.getErrorCode() == DEADLOCK || s.getErrorCode() == LOCK_WAIT_TIMEOUT
                    || SERVER_STATES.contains(s.getErrorCode())) {
                return true;
            }
        }
        return false;
    }

    private static java.util.List<SQLException> chain(Throwable e) {
        java.util.List<SQLException> found = new java.util.ArrayList<>();
        for (Throwable t = e; t != null && found.size() < 10; t = t.getCause()) {
            if (t instanceof SQLException s) {
                found.add(s);
            }
        }
        return found;
    }
}
