package io.bambus.bench.peer;

import io.bambus.core.event.DecodedEvent;
import io.bambus.core.event.EventDecoder;
import io.bambus.core.session.OutboxEvent;
import io.debezium.DebeziumException;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * What the engine calls with each batch of change records of one source: the outbox inserts among
 * them are decoded and written in one destination transaction, then every record of the batch is
 * marked processed, so the next offset flush covers it. At-least-once: a crash replays what
 * followed the last flushed offset.
 */
final class PeerConsumer implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>>, AutoCloseable {

    private final DestinationWriter writer;
    /** Set under the lock once the peer stops: a batch after it is neither applied nor marked, so the engine reads it again. */
    private boolean stopped;

    PeerConsumer(DestinationWriter writer) {
        this.writer = writer;
    }

    @Override
    public synchronized void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                                         DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        if (stopped) {
            return;
        }
        List<DecodedEvent> events = new ArrayList<>(records.size());
        for (RecordChangeEvent<SourceRecord> record : records) {
            DecodedEvent event = event(record.record());
            if (event != null) {
                events.add(event);
            }
        }
        if (!events.isEmpty()) {
            try {
                writer.write(events);
            } catch (SQLException e) {
                // nothing is marked: the engine stops, and the next start reads this batch again
                throw new DebeziumException("the destination refused a batch after every retry: " + e.getMessage(), e);
            }
        }
        for (RecordChangeEvent<SourceRecord> record : records) {
            committer.markProcessed(record);
        }
        committer.markBatchFinished();
    }

    private static DecodedEvent event(SourceRecord record) {
        try {
            OutboxEvent row = OutboxRecords.inserted(record);
            return row == null ? null : EventDecoder.decode(row);
        } catch (OutboxRecords.UnreadableRowException e) {
            return DecodedEvent.failed(new OutboxEvent(e.seq, null, null, null, null, null), e.getMessage());
        }
    }

    /** Deletes are ignored, so their tombstones are not wanted either. */
    @Override
    public boolean supportsTombstoneEvents() {
        return false;
    }

    /** Waits for a batch in progress, then refuses the next ones; the engine's close then flushes offsets of applied batches only. */
    synchronized void stop() {
        stopped = true;
    }

    String counts() {
        return writer.counts();
    }

    @Override
    public synchronized void close() {
        writer.close();
    }
}
