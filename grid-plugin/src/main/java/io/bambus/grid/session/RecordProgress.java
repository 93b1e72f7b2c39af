package io.bambus.grid.session;

/** Mirrors a committed checkpoint, the lag, the held seq's wait and new commit times into the record, if the writer still holds its epoch. */
public final class RecordProgress extends RecordUpdate {

    private final long epoch;
    private final long batchNo;
    private final long maxSeq;
    private final long eventsMoved;
    private final long eventsFailed;
    private final long commitMillis;
    private final long lagEvents;
    private final long oldestWaitingMillis;
    private final CommitTimes newCommitTimes;
    private final long heldSinceMillis;

    public RecordProgress(long epoch, long batchNo, long maxSeq, long eventsMoved, long eventsFailed, long commitMillis,
                          long lagEvents, long oldestWaitingMillis, CommitTimes newCommitTimes, long heldSinceMillis) {
        this.epoch = epoch;
        this.batchNo = batchNo;
        this.maxSeq = maxSeq;
        this.eventsMoved = eventsMoved;
        this.eventsFailed = eventsFailed;
        this.commitMillis = commitMillis;
        this.lagEvents = lagEvents;
        this.oldestWaitingMillis = oldestWaitingMillis;
        this.newCommitTimes = newCommitTimes;
        this.heldSinceMillis = heldSinceMillis;
    }

    @Override
    SessionRecord update(SessionRecord current) {
        return current.epoch() == epoch ? current.withProgress(batchNo, maxSeq, eventsMoved, eventsFailed, commitMillis,
                lagEvents, oldestWaitingMillis, newCommitTimes, heldSinceMillis) : null;
    }
}
