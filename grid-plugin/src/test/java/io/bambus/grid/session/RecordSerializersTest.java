package io.bambus.grid.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The records and updates travel through the bus's own serializers, found the way a member finds
 * them (the {@code SerializerHook} service file; Hazelcast's serialization service builder, an
 * internal class, loads it as a member does), and come back equal, edge values included.
 */
class RecordSerializersTest {

    private final SerializationService serialization = new DefaultSerializationServiceBuilder().build();

    private static SessionRecord full(long edge) {
        return new SessionRecord("tenant-ü 7", SessionState.FAILING, "2d7c0f0e-5a1b-4c8e-9d3f-0a1b2c3d4e5f", "127.0.0.2:5701",
                edge, edge, edge, edge, 0, "SQLException: line one\nline two", edge, 1_796_000_000_000L, edge, -1,
                CommitTimes.EMPTY.plus(0.004).plus(0.3).plus(99), edge);
    }

    @Test
    void aRecordTravelsFieldByFieldAndComesBackEqual() {
        List<SessionRecord> records = List.of(SessionRecord.create("shop", true), SessionRecord.create("", false),
                full(Long.MAX_VALUE), full(Long.MIN_VALUE), full(0));
        for (SessionRecord record : records) {
            Data data = serialization.toData(record);
            assertEquals(RecordSerializers.FIRST_TYPE_ID, data.getType(), "not the bus's serializer: " + record);
            assertEquals(record, serialization.toObject(data));
        }
        // the point of it: Java serialization wrote 780 bytes for a new record
        int size = serialization.toData(SessionRecord.create("tenant1234", true)).totalSize();
        assertTrue(size < 260, "a new record takes " + size + " bytes");
    }

    @Test
    void theUpdatesTravelFieldByFieldAndDoWhatTheyDidBefore() {
        SessionRecord record = full(41);
        List<RecordUpdate> updates = List.of(
                new RecordProgress(41, 9, 4_500, 4_499, 1, 1_796_000_000_123L, 7, 1_796_000_000_000L,
                        CommitTimes.EMPTY.plus(0.02), 0),
                new RecordProgress(40, 9, 4_500, 4_499, 1, 1, 7, 0, CommitTimes.EMPTY, 0),
                new TakeEpoch("uuid-2", "127.0.0.3:5701", 57, 41),
                new TakeEpoch("uuid-2", "127.0.0.3:5701", 0, 40),
                new RecordFailure(41, "SQLTransientConnectionException: timed out\r\nforged line"),
                new RecordFailure(41, null));
        for (RecordUpdate update : updates) {
            Data data = serialization.toData(update);
            assertTrue(data.getType() >= RecordSerializers.FIRST_TYPE_ID && data.getType() <= RecordSerializers.LAST_TYPE_ID,
                    update.getClass().getSimpleName() + " travels as type " + data.getType());
            RecordUpdate back = serialization.toObject(data);
            assertEquals(update.getClass(), back.getClass());
            assertEquals(withoutTime(update.update(record)), withoutTime(back.update(record)), update.getClass().getSimpleName());
        }
        RecordUpdate.SetRecord backup = new RecordUpdate.SetRecord(record);
        Data data = serialization.toData(backup);
        assertEquals(RecordSerializers.LAST_TYPE_ID, data.getType());
        assertEquals(record, ((RecordUpdate.SetRecord) serialization.toObject(data)).record());
    }

    /** The updates stamp the record with the time they ran. */
    private static SessionRecord withoutTime(SessionRecord record) {
        return record == null ? null : new SessionRecord(record.sessionId(), record.state(), record.ownerUuid(),
                record.ownerAddress(), record.epoch(), record.batchNo(), record.maxSeq(), record.eventsMoved(),
                record.eventsFailed(), record.lastError(), record.lastCommitMillis(), 0, record.lagEvents(),
                record.oldestWaitingMillis(), record.commitTimes(), record.heldSinceMillis());
    }
}
