package io.bambus.grid.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;

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

    void writeTo(ObjectDataOutput out) throws IOException {
        out.writeLong(epoch);
        out.writeLong(batchNo);
        out.writeLong(maxSeq);
        out.writeLong(eventsMoved);
        out.writeLong(eventsFailed);
        out.writeLong(commitMillis);
        out.writeLong(lagEvents);
        out.writeLong(oldestWaitingMillis);
        RecordSerializers.writeCommitTimes(out, newCommitTimes);
        out.writeLong(heldSinceMillis);
    }

    static RecordProgress readFrom(ObjectDataInput in) throws IOException {
        return new RecordProgress(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                in.readLong(), in.readLong(), RecordSerializers.readCommitTimes(in), in.readLong());
    }

    /** The session that sends its progress (four times a second at most) does not read the record it made. */
    @Override
    boolean answersWithRecord() {
        return false;
    }

    @Override
    SessionRecord update(SessionRecord current) {
        return current.epoch() == epoch ? current.withProgress(batchNo, maxSeq, eventsMoved, eventsFailed, commitMillis,
                lagEvents, oldestWaitingMillis, newCommitTimes, heldSinceMillis) : null;
    }
}
