package io.bambus.core.runner;

import io.bambus.core.apply.Applier;
import io.bambus.core.apply.Checkpoint;
import io.bambus.core.event.DecodedEvent;
import io.bambus.core.event.EventDecoder;
import io.bambus.core.event.OutboxEvent;
import io.bambus.core.outbox.OutboxReader;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves one session's events under one fencing epoch: {@link #claim} once, then {@link #moveBatch}
 * until it returns 0 (idle) or throws. Each batch is read → decode → apply (one destination
 * transaction with the checkpoint) → acknowledge in the source. Not thread-safe: one runner owns it.
 *
 * <p>After any exception the owner must {@link #claim} again before the next batch: the claim
 * reconciles the source with the checkpoint of record, whatever step the failure interrupted.
 */
public final class SessionMover {

    private final OutboxReader reader;
    private final Applier applier;
    private final int batchSize;
    private final long epoch;
    private Checkpoint checkpoint;
    private boolean claimedBefore;

    public SessionMover(OutboxReader reader, Applier applier, int batchSize, long epoch) {
        this.reader = reader;
        this.applier = applier;
        this.batchSize = batchSize;
        this.epoch = epoch;
    }

    /**
     * Fences older epochs in the destination and brings the source in line with its checkpoint.
     * The first claim needs an epoch above every recorded one; later claims of this mover (after an
     * error) keep its epoch.
     */
    public Checkpoint claim() throws SQLException {
        Checkpoint claimed = applier.claim(epoch, claimedBefore);
        claimedBefore = true;
        reader.reconcile(claimed);
        checkpoint = claimed;
        return claimed;
    }

    /** Moves one batch; returns the events it read (0 when the outbox had none). */
    public int moveBatch() throws SQLException {
        if (checkpoint == null) {
            throw new IllegalStateException("claim() the session before moving batches");
        }
        List<OutboxEvent> events = reader.read(batchSize);
        if (events.isEmpty()) {
            return 0;
        }
        List<DecodedEvent> decoded = new ArrayList<>(events.size());
        for (OutboxEvent event : events) {
            decoded.add(EventDecoder.decode(event));
        }
        Checkpoint before = checkpoint;
        // until the acknowledgement below succeeds, only a new claim may read again
        checkpoint = null;
        Applier.Result result = applier.apply(epoch, before, decoded);
        reader.acknowledge(result.checkpoint().batchNo(), result.checkpoint().batchSeqs());
        checkpoint = result.checkpoint();
        return events.size();
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    public long epoch() {
        return epoch;
    }
}
