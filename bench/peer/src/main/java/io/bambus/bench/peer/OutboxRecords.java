package io.bambus.bench.peer;

import io.bambus.core.session.OutboxEvent;
import java.nio.ByteBuffer;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Reads an outbox row out of a Debezium change record (Kafka Connect format, no serialisation).
 * Only inserts count: updates, deletes, snapshot reads, tombstones, heartbeats and schema changes
 * are not events.
 */
final class OutboxRecords {

    /** How the MariaDB connector sends DATETIME(4..6) with the default time.precision.mode: micros since the epoch, no zone. */
    private static final String MICRO_TIMESTAMP = "io.debezium.time.MicroTimestamp";
    /** ...and DATETIME(0..3): millis. */
    private static final String TIMESTAMP = "io.debezium.time.Timestamp";

    private OutboxRecords() {
    }

    /** A record that looked like an outbox insert but could not be read; the message says why. */
    static final class UnreadableRowException extends Exception {
        final long seq;

        UnreadableRowException(long seq, String message) {
            super(message, null, false, false);
            this.seq = seq;
        }
    }

    /** The outbox row this record inserted, or null when the record is not an insert. */
    static OutboxEvent inserted(SourceRecord record) throws UnreadableRowException {
        // schema changes and heartbeats carry a Struct without "op"; tombstones carry no value
        if (!(record.value() instanceof Struct envelope) || envelope.schema().field("op") == null
                || !"c".equals(envelope.getString("op"))) {
            return null;
        }
        Struct row = envelope.getStruct("after");
        long seq = row.getInt64("seq");
        try {
            return new OutboxEvent(seq, row.getString("kind"), row.getString("activity"), row.getString("instance_id"),
                    bytes(row.get("payload")), eventTime(row));
        } catch (RuntimeException e) {
            throw new UnreadableRowException(seq, "the row cannot be read: " + e.getMessage());
        }
    }

    private static byte[] bytes(Object value) {
        if (value instanceof ByteBuffer buffer) {
            // the buffer may be a view into a larger array: copy what it shows
            byte[] copy = new byte[buffer.remaining()];
            buffer.duplicate().get(copy);
            return copy;
        }
        return (byte[]) value;
    }

    private static LocalDateTime eventTime(Struct row) {
        Field field = row.schema().field("event_time");
        long value = row.getInt64("event_time");
        String type = field.schema().name();
        if (MICRO_TIMESTAMP.equals(type)) {
            return LocalDateTime.ofEpochSecond(Math.floorDiv(value, 1_000_000L), (int) Math.floorMod(value, 1_000_000L) * 1_000,
                    ZoneOffset.UTC);
        }
        if (TIMESTAMP.equals(type)) {
            return LocalDateTime.ofEpochSecond(Math.floorDiv(value, 1_000L), (int) Math.floorMod(value, 1_000L) * 1_000_000,
                    ZoneOffset.UTC);
        }
        throw new IllegalStateException("event_time arrives as " + type + "; expected " + MICRO_TIMESTAMP
                + " (time.precision.mode adaptive_time_microseconds)");
    }
}
