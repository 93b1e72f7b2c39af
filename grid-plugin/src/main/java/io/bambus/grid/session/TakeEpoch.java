package io.bambus.grid.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;

/**
 * A member starting a session takes the next fencing epoch, above {@code floor} (the destination's
 * recorded epoch when it refused a claim: the record may have been lost with a whole cluster).
 * Returns null when the session is not in a running state, or when its epoch is no longer the one
 * the member read ({@code expectedEpoch}): a take that arrives late (its caller stopped waiting)
 * must not move the record past the runner that started since.
 */
public final class TakeEpoch extends RecordUpdate {

    private final String ownerUuid;
    private final String ownerAddress;
    private final long floor;
    private final long expectedEpoch;

    public TakeEpoch(String ownerUuid, String ownerAddress, long floor, long expectedEpoch) {
        this.ownerUuid = ownerUuid;
        this.ownerAddress = ownerAddress;
        this.floor = floor;
        this.expectedEpoch = expectedEpoch;
    }

    void writeTo(ObjectDataOutput out) throws IOException {
        out.writeString(ownerUuid);
        out.writeString(ownerAddress);
        out.writeLong(floor);
        out.writeLong(expectedEpoch);
    }

    static TakeEpoch readFrom(ObjectDataInput in) throws IOException {
        return new TakeEpoch(in.readString(), in.readString(), in.readLong(), in.readLong());
    }

    @Override
    SessionRecord update(SessionRecord current) {
        if (!current.state().runs() || current.epoch() != expectedEpoch) {
            return null;
        }
        return current.withOwner(ownerUuid, ownerAddress, Math.max(current.epoch(), floor) + 1);
    }
}
