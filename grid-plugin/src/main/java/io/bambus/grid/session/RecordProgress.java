package io.bambus.grid.session;

/** Mirrors a committed checkpoint into the record, if the writer still holds the record's epoch. */
public final class RecordProgress extends RecordUpdate {

    private final long epoch;
    private final long batchNo;
    private final long maxSeq;
    private final long eventsMoved;
    private final long eventsFailed;
    private final long commitMillis;

    public RecordProgress(long epoch, long batchNo, long maxSeq, long eventsMoved, long eventsFailed, long commitMillis) {
        this.epoch = epoch;
        this.batchNo = batchNo;
        this.maxSeq = maxSeq;
        this.eventsMoved = eventsMoved;
        this.eventsFailed = eventsFailed;
        this.commitMillis = commitMillis;
    }

    @Override
    SessionRecord update(SessionRecord current) {
        return current.epoch() == epoch ? current.withProgress(batchNo, maxSeq, eventsMoved, eventsFailed, commitMillis) : null;
    }
}
