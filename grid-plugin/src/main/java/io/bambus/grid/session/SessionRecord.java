package io.bambus.grid.session;

import java.io.Serializable;

/**
 * A session's record in the sessions IMap. The checkpoint fields mirror the destination's
 * checkpoint of record, so a new owner can show progress at once; the destination decides on doubt.
 * Lag and commit times are measured by the runner and published with its progress. No secrets:
 * connection settings stay in each member's bus configuration.
 */
public record SessionRecord(String sessionId, SessionState state, String ownerUuid, String ownerAddress, long epoch,
                            long batchNo, long maxSeq, long eventsMoved, long eventsFailed, String lastError,
                            long lastCommitMillis, long updatedMillis, long lagEvents, long oldestWaitingMillis,
                            CommitTimes commitTimes, long heldSinceMillis) implements Serializable {

    public static SessionRecord create(String sessionId, boolean enabled) {
        return new SessionRecord(sessionId, enabled ? SessionState.RUNNING : SessionState.DISABLED, null, null, 0, 0, 0, 0, 0,
                null, 0, System.currentTimeMillis(), 0, 0, CommitTimes.EMPTY, 0);
    }

    SessionRecord withOwner(String uuid, String address, long newEpoch) {
        return new SessionRecord(sessionId, state, uuid, address, newEpoch, batchNo, maxSeq, eventsMoved, eventsFailed,
                lastError, lastCommitMillis, System.currentTimeMillis(), lagEvents, oldestWaitingMillis, commitTimes, heldSinceMillis);
    }

    SessionRecord withProgress(long batch, long seq, long moved, long failed, long commitMillis, long lag, long oldest,
                               CommitTimes more, long held) {
        return new SessionRecord(sessionId, state == SessionState.FAILING ? SessionState.RUNNING : state, ownerUuid,
                ownerAddress, epoch, batch, seq, moved, failed, null, commitMillis, System.currentTimeMillis(), lag, oldest,
                commitTimes.plus(more), held);
    }

    SessionRecord withFailure(String error) {
        return new SessionRecord(sessionId, state == SessionState.RUNNING ? SessionState.FAILING : state, ownerUuid,
                ownerAddress, epoch, batchNo, maxSeq, eventsMoved, eventsFailed, error, lastCommitMillis,
                System.currentTimeMillis(), lagEvents, oldestWaitingMillis, commitTimes, heldSinceMillis);
    }

    SessionRecord withState(SessionState next) {
        return new SessionRecord(sessionId, next, ownerUuid, ownerAddress, epoch, batchNo, maxSeq, eventsMoved, eventsFailed,
                next.runs() ? lastError : null, lastCommitMillis, System.currentTimeMillis(), lagEvents, oldestWaitingMillis,
                commitTimes, heldSinceMillis);
    }

    SessionRecord withLag(long lag, long oldest) {
        return new SessionRecord(sessionId, state, ownerUuid, ownerAddress, epoch, batchNo, maxSeq, eventsMoved, eventsFailed,
                lastError, lastCommitMillis, System.currentTimeMillis(), lag, oldest, commitTimes, heldSinceMillis);
    }
}
