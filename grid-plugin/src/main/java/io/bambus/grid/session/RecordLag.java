package io.bambus.grid.session;

/** The lag of a session that does not run (paused, disabled), measured by its partition's owner. */
public final class RecordLag extends RecordUpdate {

    private final long lagEvents;
    private final long oldestWaitingMillis;

    public RecordLag(long lagEvents, long oldestWaitingMillis) {
        this.lagEvents = lagEvents;
        this.oldestWaitingMillis = oldestWaitingMillis;
    }

    @Override
    SessionRecord update(SessionRecord current) {
        // a running session's runner publishes its own lag
        return current.state().runs() ? null : current.withLag(lagEvents, oldestWaitingMillis);
    }
}
