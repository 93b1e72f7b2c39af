package io.bambus.grid.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * How two halves of a healed split agree on a session record: the record with the higher fencing
 * epoch wins (its runner is the one the destination and the source let commit), and an operator's
 * pause or disable made on either side is kept (DISABLED over PAUSED over running), so a decision
 * taken during the split is not forgotten. Named in the sessions map's configuration by the plugin.
 */
public final class SessionRecordMergePolicy implements SplitBrainMergePolicy<SessionRecord, MergingValue<SessionRecord>, Object> {

    @Override
    public Object merge(MergingValue<SessionRecord> merging, MergingValue<SessionRecord> existing) {
        if (existing == null) {
            return merging.getRawValue();
        }
        SessionRecord incoming = merging.getDeserializedValue();
        SessionRecord current = existing.getDeserializedValue();
        if (incoming == null || current == null) {
            return current == null ? merging.getRawValue() : existing.getRawValue();
        }
        boolean incomingWins = incoming.epoch() > current.epoch();
        SessionRecord winner = incomingWins ? incoming : current;
        SessionState state = stricter(incoming.state(), current.state());
        if (state == null || state == winner.state()) {
            return incomingWins ? merging.getRawValue() : existing.getRawValue();
        }
        return winner.withState(state);
    }

    /** The operator's stop that either side made, else the winner's own running state. */
    private static SessionState stricter(SessionState a, SessionState b) {
        if (a == SessionState.DISABLED || b == SessionState.DISABLED) {
            return SessionState.DISABLED;
        }
        if (a == SessionState.PAUSED || b == SessionState.PAUSED) {
            return SessionState.PAUSED;
        }
        return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) {
        // stateless
    }

    @Override
    public void readData(ObjectDataInput in) {
        // stateless
    }
}
