package io.bambus.core.runner;

import io.bambus.core.apply.Applier;
import io.bambus.core.config.SessionSettings;
import io.bambus.core.session.Checkpoint;
import io.bambus.core.event.DecodedEvent;
import io.bambus.core.event.EventDecoder;
import io.bambus.core.session.OutboxEvent;
import io.bambus.core.outbox.OutboxReader;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Moves one session's events under one fencing epoch: {@link #claim} once, then {@link #moveBatch}
 * until it returns 0 (idle) or throws. Each batch is read → decode → apply (one destination
 * transaction with the checkpoint) → acknowledge in the source. Not thread-safe: one runner owns it.
 *
 * <p>After any exception the owner must {@link #claim} again before the next batch: the claim
 * reconciles the source with the checkpoint of record, whatever step the failure interrupted.
 *
 * <p>Order: batches follow seq order. A seq missing below the last one read, held by an application
 * transaction that can still commit it, ends the batch before it: the session waits for that
 * transaction (it never blocks it) for at most {@code gapWaitMillis}, then moves on; the seq is
 * applied when it commits, after the later ones (docs/delivery.md).
 */
public final class SessionMover {

    private static final Logger LOG = LogManager.getLogger(SessionMover.class);

    private final OutboxReader reader;
    private final Applier applier;
    private final int batchSize;
    private final long batchBytes;
    private final long gapWaitNanos;
    private final long epoch;
    /** Combines this mover's first claim with others' (null: it claims alone). */
    private final ClaimCombiner combiner;
    private Checkpoint checkpoint;
    private boolean claimedBefore;
    /** A claim made together with other sessions' ({@link ClaimCombiner#claimTogether}) for the next {@link #claim}. */
    private ClaimCombiner.Outcome combinedOutcome;
    private Exception combinedFailure;
    /** The held seq the session waits for (0: none), and since when. */
    private long heldSeq;
    private long heldSinceNanos;

    public SessionMover(OutboxReader reader, Applier applier, int batchSize, long epoch) {
        this(reader, applier, batchSize, SessionSettings.DEFAULT_BATCH_BYTES, SessionSettings.DEFAULT_GAP_WAIT_MILLIS, epoch);
    }

    public SessionMover(OutboxReader reader, Applier applier, int batchSize, long batchBytes, long gapWaitMillis, long epoch) {
        this(reader, applier, batchSize, batchBytes, gapWaitMillis, epoch, null);
    }

    /** As above; {@code combiner} (null: none) combines the first claim with other sessions' of the same databases. */
    public SessionMover(OutboxReader reader, Applier applier, int batchSize, long batchBytes, long gapWaitMillis, long epoch,
                        ClaimCombiner combiner) {
        this.combiner = combiner;
        this.reader = reader;
        this.applier = applier;
        this.batchSize = batchSize;
        this.batchBytes = batchBytes;
        this.gapWaitNanos = gapWaitMillis * 1_000_000;
        this.epoch = epoch;
    }

    /**
     * Fences older epochs in the destination and brings the source in line with its checkpoint.
     * The first claim needs an epoch above every recorded one; later claims of this mover (after an
     * error) keep its epoch.
     */
    public Checkpoint claim() throws SQLException {
        if (combinable()) {
            combiner.claim(this); // leaves its outcome here, as a claim the scheduler made together does
        }
        ClaimCombiner.Outcome combined = combinedOutcome;
        combinedOutcome = null;
        if (combinedFailure != null) {
            Exception failure = combinedFailure;
            combinedFailure = null;
            if (failure instanceof SQLException e) {
                throw e;
            }
            throw (RuntimeException) failure;
        }
        if (combined == ClaimCombiner.Outcome.CLAIMED) {
            return checkpoint;
        }
        Checkpoint claimed = applier.claim(epoch, claimedBefore);
        claimedBefore = true;
        String outboxId = reader.claim(claimed);
        if (claimed.outboxId() == null) {
            applier.recordOutbox(epoch, outboxId);
            claimed = claimed.withOutboxId(outboxId);
        }
        checkpoint = claimed;
        return claimed;
    }

    /**
     * What a claim made together with others did for this session, for its next {@link #claim}:
     * taken (the mover continues from {@code claimed}), its epoch taken (the source part alone
     * follows), to claim alone, or a failure to throw.
     */
    void combined(ClaimCombiner.Outcome outcome, Checkpoint claimed, Exception failure) {
        combinedFailure = failure;
        combinedOutcome = failure == null ? outcome : null;
        if (failure == null && outcome == ClaimCombiner.Outcome.CLAIMED) {
            claimedBefore = true;
            checkpoint = claimed;
        } else if (failure == null && outcome == ClaimCombiner.Outcome.EPOCH_TAKEN) {
            claimedBefore = true; // the source part alone, under the epoch already taken
        }
    }

    /** Whether this mover's next claim can go with others' ({@link ClaimCombiner#claimTogether}). */
    public boolean combinable() {
        return combiner != null && !claimedBefore && combinedOutcome == null && combinedFailure == null;
    }

    /** The combiner of this mover's first claim (null: none). */
    public ClaimCombiner combiner() {
        return combiner;
    }

    String sessionId() {
        return applier.sessionId();
    }

    OutboxReader reader() {
        return reader;
    }

    /** Moves one batch; returns the events it read (0 when the outbox had none). */
    public int moveBatch() throws SQLException {
        if (checkpoint == null) {
            throw new IllegalStateException("claim() the session before moving batches");
        }
        List<OutboxEvent> events = untilHeldSeq(reader.read(batchSize, batchBytes));
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
        reader.acknowledge(result.checkpoint());
        checkpoint = result.checkpoint();
        return events.size();
    }

    /** The events before a seq an open transaction holds, while the wait for it is within the bound. */
    private List<OutboxEvent> untilHeldSeq(List<OutboxEvent> events) throws SQLException {
        if (gapWaitNanos == 0) {
            return events;
        }
        long held = reader.heldSeq(checkpoint.maxSeq(), events);
        long now = System.nanoTime();
        if (held == 0) {
            heldSeq = 0;
            return events;
        }
        if (held != heldSeq) {
            heldSeq = held;
            heldSinceNanos = now;
        }
        if (now - heldSinceNanos >= gapWaitNanos) {
            // the next batch starts above it, so this is said once per held seq
            LOG.info("Session '{}': outbox seq {} is still held by an open application transaction after {} ms;"
                    + " moving on, it is applied when it commits", applier.sessionId(), held, gapWaitNanos / 1_000_000);
            // the seqs above it waited as long (the batches stopped below it): the wait is for the whole gap
            return events;
        }
        int before = 0;
        while (before < events.size() && events.get(before).seq() < held) {
            before++;
        }
        return events.subList(0, before);
    }

    /** How long the session has waited for a seq held by an open transaction (0: it waits for none). */
    public long gapAgeMillis() {
        return heldSeq == 0 ? 0 : (System.nanoTime() - heldSinceNanos) / 1_000_000;
    }

    /** Whether the last batch stopped below a seq an open transaction holds (the session waits for it). */
    public boolean waitsForHeldSeq() {
        return heldSeq != 0;
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    public long epoch() {
        return epoch;
    }
}
