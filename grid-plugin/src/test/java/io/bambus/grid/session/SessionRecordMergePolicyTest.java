package io.bambus.grid.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.hazelcast.spi.merge.MergingValue;
import org.junit.jupiter.api.Test;

/** Records of the two halves of a healed split merge by the highest epoch and keep an operator's stop. */
class SessionRecordMergePolicyTest {

    private final SessionRecordMergePolicy policy = new SessionRecordMergePolicy();

    private static SessionRecord record(long epoch, SessionState state) {
        return SessionRecord.create("shop", true).withOwner("uuid-" + epoch, "127.0.0.1:" + epoch, epoch).withState(state);
    }

    private static MergingValue<SessionRecord> value(SessionRecord record) {
        return new MergingValue<>() {
            @Override
            public SessionRecord getDeserializedValue() {
                return record;
            }

            @Override
            public Object getRawValue() {
                return record;
            }
        };
    }

    private Object merge(SessionRecord merging, SessionRecord existing) {
        return policy.merge(value(merging), existing == null ? null : value(existing));
    }

    @Test
    void theHigherEpochWins() {
        SessionRecord minority = record(4, SessionState.RUNNING);
        SessionRecord majority = record(6, SessionState.RUNNING);
        assertSame(majority, merge(minority, majority));
        assertSame(majority, merge(majority, minority));
        assertSame(minority, merge(minority, null), "a record only one half has is kept");
    }

    @Test
    void aPauseOrDisableMadeOnEitherSideIsKept() {
        SessionRecord pausedInMinority = record(4, SessionState.PAUSED);
        SessionRecord runningInMajority = record(6, SessionState.FAILING);
        SessionRecord merged = (SessionRecord) merge(pausedInMinority, runningInMajority);
        assertEquals(6, merged.epoch());
        assertEquals(SessionState.PAUSED, merged.state());
        SessionRecord disabled = (SessionRecord) merge(record(6, SessionState.PAUSED), record(5, SessionState.DISABLED));
        assertEquals(6, disabled.epoch());
        assertEquals(SessionState.DISABLED, disabled.state());
    }
}
