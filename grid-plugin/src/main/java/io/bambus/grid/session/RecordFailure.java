package io.bambus.grid.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;

/** Marks the session FAILING with the error an operator should see, if the writer holds the epoch. */
public final class RecordFailure extends RecordUpdate {

    private final long epoch;
    private final String error;

    public RecordFailure(long epoch, String error) {
        this.epoch = epoch;
        this.error = error;
    }

    void writeTo(ObjectDataOutput out) throws IOException {
        out.writeLong(epoch);
        out.writeString(error);
    }

    static RecordFailure readFrom(ObjectDataInput in) throws IOException {
        return new RecordFailure(in.readLong(), in.readString());
    }

    @Override
    SessionRecord update(SessionRecord current) {
        return current.epoch() == epoch ? current.withFailure(error) : null;
    }
}
