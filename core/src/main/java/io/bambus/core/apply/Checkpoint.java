package io.bambus.core.apply;

import io.bambus.core.outbox.SeqRanges;
import java.io.Serializable;

/**
 * A session's progress as recorded in the destination, in the transaction of the batch it covers:
 * the epoch that committed, the number of the last batch and the outbox seqs that batch held.
 * Batch 0 is "nothing applied yet".
 */
public record Checkpoint(String sessionId, long epoch, long batchNo, SeqRanges batchSeqs, long maxSeq,
                         long eventsApplied, long eventsFailed) implements Serializable {

    public static Checkpoint initial(String sessionId, long epoch) {
        return new Checkpoint(sessionId, epoch, 0, SeqRanges.EMPTY, 0, 0, 0);
    }
}
