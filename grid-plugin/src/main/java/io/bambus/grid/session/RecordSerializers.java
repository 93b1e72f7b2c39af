package io.bambus.grid.session;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.Serializer;
import com.hazelcast.nio.serialization.SerializerHook;
import com.hazelcast.nio.serialization.StreamSerializer;
import java.io.IOException;

/**
 * How session records and the updates sent for them travel and are stored: field by field, not
 * Java-serialized. Every member reads its sessions' records on each placement tick and every
 * running session sends its progress as an entry processor, whose partition thread reads the record,
 * writes the new one and sends it to the backup; Java serialization made each record 780 bytes and
 * about ten times slower to read (class descriptors, reflection), which a member with thousands of
 * sessions paid on every tick. Hazelcast finds these serializers through
 * {@code META-INF/services/com.hazelcast.SerializerHook} wherever the plugin's classes are (members,
 * the UI, the CLI), ahead of Java serialization; type ids {@value #FIRST_TYPE_ID} to
 * {@value #LAST_TYPE_ID} are the bus's. Members and clients of one cluster must run the same bus
 * version (docs/plugin.md says so).
 */
public final class RecordSerializers {

    static final int FIRST_TYPE_ID = 7_401;
    static final int LAST_TYPE_ID = 7_405;

    private RecordSerializers() {
    }

    /**
     * Why {@code hz} would write session records some other way than with these serializers (its
     * class path lacks the plugin's service file), with the fix; null when it would not, or when it
     * cannot tell. A member that wrote records another way would refuse every record its peers write.
     */
    public static String problem(HazelcastInstance hz) {
        if (!(hz instanceof SerializationServiceSupport support)) {
            return null;
        }
        int type = support.getSerializationService().toData(SessionRecord.create("probe", true)).getType();
        return type == FIRST_TYPE_ID ? null : "session records would be written with serializer type " + type + ", not the bus's ("
                + FIRST_TYPE_ID + "): META-INF/services/com.hazelcast.SerializerHook of the plugin jar is not on this member's"
                + " class path (a jar repackaged without merging service files?); use the plugin jar as built, or merge its"
                + " service files into yours";
    }

    /** Writes one value of a type. */
    private interface Writer<T> {
        void write(ObjectDataOutput out, T value) throws IOException;
    }

    /** Reads one value of a type. */
    private interface Reader<T> {
        T read(ObjectDataInput in) throws IOException;
    }

    /** One type's hook and serializer in one: Hazelcast asks the hook for the serializer once per serialization service. */
    private abstract static class Hook<T> implements SerializerHook<T>, StreamSerializer<T> {

        private final Class<T> type;
        private final int typeId;
        private final Writer<T> writer;
        private final Reader<T> reader;

        Hook(Class<T> type, int typeId, Writer<T> writer, Reader<T> reader) {
            this.type = type;
            this.typeId = typeId;
            this.writer = writer;
            this.reader = reader;
        }

        @Override
        public final void write(ObjectDataOutput out, T value) throws IOException {
            writer.write(out, value);
        }

        @Override
        public final T read(ObjectDataInput in) throws IOException {
            return reader.read(in);
        }

        @Override
        public final Class<T> getSerializationType() {
            return type;
        }

        @Override
        public final Serializer createSerializer() {
            return this;
        }

        @Override
        public final boolean isOverwritable() {
            return false;
        }

        @Override
        public final int getTypeId() {
            return typeId;
        }
    }

    // one public class per type: the service file names each, and Hazelcast creates them with no arguments

    public static final class Record extends Hook<SessionRecord> {
        public Record() {
            super(SessionRecord.class, FIRST_TYPE_ID, RecordSerializers::writeRecord, RecordSerializers::readRecord);
        }
    }

    public static final class Progress extends Hook<RecordProgress> {
        public Progress() {
            super(RecordProgress.class, FIRST_TYPE_ID + 1, (out, progress) -> progress.writeTo(out), RecordProgress::readFrom);
        }
    }

    public static final class Epoch extends Hook<TakeEpoch> {
        public Epoch() {
            super(TakeEpoch.class, FIRST_TYPE_ID + 2, (out, take) -> take.writeTo(out), TakeEpoch::readFrom);
        }
    }

    public static final class Failure extends Hook<RecordFailure> {
        public Failure() {
            super(RecordFailure.class, FIRST_TYPE_ID + 3, (out, failure) -> failure.writeTo(out), RecordFailure::readFrom);
        }
    }

    /** The backup of every record update. */
    public static final class Set extends Hook<RecordUpdate.SetRecord> {
        public Set() {
            super(RecordUpdate.SetRecord.class, LAST_TYPE_ID, (out, set) -> writeRecord(out, set.record()),
                    in -> new RecordUpdate.SetRecord(readRecord(in)));
        }
    }

    static void writeRecord(ObjectDataOutput out, SessionRecord record) throws IOException {
        out.writeString(record.sessionId());
        out.writeString(record.state().name());
        out.writeString(record.ownerUuid());
        out.writeString(record.ownerAddress());
        out.writeLong(record.epoch());
        out.writeLong(record.batchNo());
        out.writeLong(record.maxSeq());
        out.writeLong(record.eventsMoved());
        out.writeLong(record.eventsFailed());
        out.writeString(record.lastError());
        out.writeLong(record.lastCommitMillis());
        out.writeLong(record.updatedMillis());
        out.writeLong(record.lagEvents());
        out.writeLong(record.oldestWaitingMillis());
        writeCommitTimes(out, record.commitTimes());
        out.writeLong(record.heldSinceMillis());
    }

    static SessionRecord readRecord(ObjectDataInput in) throws IOException {
        return new SessionRecord(in.readString(), SessionState.valueOf(in.readString()), in.readString(), in.readString(),
                in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readString(), in.readLong(),
                in.readLong(), in.readLong(), in.readLong(), readCommitTimes(in), in.readLong());
    }

    static void writeCommitTimes(ObjectDataOutput out, CommitTimes times) throws IOException {
        out.writeLongArray(times.countsView());
        out.writeDouble(times.sumSeconds());
    }

    static CommitTimes readCommitTimes(ObjectDataInput in) throws IOException {
        long[] counts = in.readLongArray();
        if (counts == null || counts.length != CommitTimes.BOUNDS.length + 1) {
            throw new IOException("a session record's commit times have " + (counts == null ? "no" : counts.length)
                    + " buckets, not " + (CommitTimes.BOUNDS.length + 1) + ": a member or client of another bus version");
        }
        return new CommitTimes(counts, in.readDouble());
    }
}
