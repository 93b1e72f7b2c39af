package io.bambus.core.session;

/**
 * A commit or claim carried an older fencing epoch than the destination has recorded for the
 * session: another runner took the session over. Nothing was changed; the runner that gets this
 * must stop, not retry.
 */
public class StaleEpochException extends RuntimeException {

    private final String sessionId;
    private final long epoch;
    private final long recordedEpoch;

    public StaleEpochException(String sessionId, long epoch, long recordedEpoch) {
        this(sessionId, epoch, recordedEpoch, "the destination");
    }

    /** {@code where}: the database whose fence refused the write ("the destination", "source outbox 'x'"). */
    public StaleEpochException(String sessionId, long epoch, long recordedEpoch, String where) {
        super("session '" + sessionId + "': epoch " + epoch + " is fenced off, " + where + " has recorded epoch "
                + recordedEpoch + "; a newer runner owns this session, so this one must stop");
        this.sessionId = sessionId;
        this.epoch = epoch;
        this.recordedEpoch = recordedEpoch;
    }

    public String sessionId() {
        return sessionId;
    }

    public long epoch() {
        return epoch;
    }

    public long recordedEpoch() {
        return recordedEpoch;
    }
}
