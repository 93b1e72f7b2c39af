package io.bambus.core.session;

import java.io.Serializable;

/**
 * A session's progress as recorded in the destination, in the transaction of the batch it covers:
 * the epoch that committed, the number of the last batch and the outbox seqs that batch held.
 * Batch 0 is "nothing applied yet". {@code outboxId} names the outbox the batches came from (the
 * identity the bus keeps in the source's {@code bam_outbox_owner}), null until the first claim records it.
 */
public record Checkpoint(String sessionId, long epoch, long batchNo, SeqRanges batchSeqs, long maxSeq,
                         long eventsApplied, long eventsFailed, String outboxId) implements Serializable {

    public Checkpoint withEpoch(long taken) {
        return new Checkpoint(sessionId, taken, batchNo, batchSeqs, maxSeq, eventsApplied, eventsFailed, outboxId);
    }

    public Checkpoint withOutboxId(String id) {
        return new Checkpoint(sessionId, epoch, batchNo, batchSeqs, maxSeq, eventsApplied, eventsFailed, id);
    }
}
