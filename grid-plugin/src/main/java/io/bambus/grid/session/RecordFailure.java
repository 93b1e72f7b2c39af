package io.bambus.grid.session;

/** Marks the session FAILING with the error an operator should see, if the writer holds the epoch. */
public final class RecordFailure extends RecordUpdate {

    private final long epoch;
    private final String error;

    public RecordFailure(long epoch, String error) {
        this.epoch = epoch;
        this.error = error;
    }

    @Override
    SessionRecord update(SessionRecord current) {
        return current.epoch() == epoch ? current.withFailure(error) : null;
    }
}
