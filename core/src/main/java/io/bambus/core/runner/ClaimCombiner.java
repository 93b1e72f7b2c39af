package io.bambus.core.runner;

import io.bambus.core.apply.Applier;
import io.bambus.core.session.Checkpoint;
import io.bambus.core.outbox.OutboxReader;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Combines the first claims of sessions that share a destination and a source pool and owner table
 * into bulk claims, as a database combines concurrent commits: a claiming mover joins the queue;
 * if no claim of the group is running, it takes every request queued and claims them all in two
 * destination statements and one source transaction ({@link Applier#claimAll},
 * {@link OutboxReader#claimAll}); the others wait for it. A member's loss hands thousands of
 * sessions to the survivors at once: one claim each was two commits and five statements each on a
 * server busy with the sessions still running (BENCHMARKS.md, Scale). No request waits for company:
 * a lone claim is claimed at once, in the same statements, and the claims that arrive meanwhile
 * queue for the next bulk claim.
 *
 * <p>What the bulk claim cannot do (a first claim against a source, a batch to mark or unmark, an
 * identity to check) is left to the mover's own claim; the combiner says whether the destination
 * epoch is taken already.
 */
public final class ClaimCombiner {

    /** What happened to one mover's claim. */
    enum Outcome {
        /** Claimed: destination epoch taken and source owner row taken; the checkpoint is set. */
        CLAIMED,
        /** The destination epoch is taken; the source part is the mover's own claim (resuming its epoch). */
        EPOCH_TAKEN,
        /** Nothing done: the mover claims alone. */
        ALONE
    }

    /** One mover's request and, once done, its result. */
    private static final class Request {
        final SessionMover mover;
        boolean done;
        Outcome outcome;
        Checkpoint checkpoint;
        /** A {@link SQLException}, or a refusal ({@code StaleEpochException} is a RuntimeException). */
        Exception failure;

        Request(SessionMover mover) {
            this.mover = mover;
        }
    }

    private final DataSource destination;
    private final List<Request> queue = new ArrayList<>();
    private boolean claiming;
    /** Claims made here (not left to a mover alone), for logs and tests. */
    private final java.util.concurrent.atomic.AtomicLong combined = new java.util.concurrent.atomic.AtomicLong();
    /** The largest bulk claim so far, for logs and tests. */
    private final java.util.concurrent.atomic.AtomicInteger largest = new java.util.concurrent.atomic.AtomicInteger();

    public ClaimCombiner(DataSource destination) {
        this.destination = destination;
    }

    /** How many claims were made here so far. */
    public long combinedClaims() {
        return combined.get();
    }

    /**
     * Claims the sessions of {@code movers} (the first claims of sessions waiting for a thread, which
     * the scheduler hands over together) with whatever first claims are waiting here, and leaves each
     * outcome with its mover: its next {@link SessionMover#claim} returns the checkpoint, throws the
     * refusal or claims alone. Returns how many were claimed.
     */
    public int claimTogether(List<SessionMover> movers) throws InterruptedException {
        List<Request> requests = new ArrayList<>();
        for (SessionMover mover : movers) {
            requests.add(new Request(mover));
        }
        List<Request> batch;
        synchronized (this) {
            while (claiming) {
                wait(1_000); // the claim in progress is bounded by its statements' socket timeouts; it wakes us
            }
            claiming = true;
            batch = new ArrayList<>(queue);
            queue.clear();
            batch.addAll(requests);
        }
        lead(batch);
        int claimed = 0;
        for (Request request : requests) {
            request.mover.combined(request.outcome, request.checkpoint, request.failure);
            claimed += request.outcome == Outcome.CLAIMED && request.failure == null ? 1 : 0;
        }
        return claimed;
    }

    /**
     * Claims {@code mover}'s session together with whatever other first claims are waiting, and
     * leaves the outcome with the mover ({@link SessionMover#combined}).
     */
    void claim(SessionMover mover) throws SQLException {
        Request request = new Request(mover);
        List<Request> batch;
        synchronized (this) {
            queue.add(request);
            while (claiming && !request.done) {
                try {
                    // the claim in progress is bounded by its statements' socket timeouts; it wakes us when it ends
                    wait(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    queue.remove(request);
                    throw new SQLException("interrupted while waiting for a combined claim", e);
                }
            }
            if (!request.done) {
                claiming = true;
                batch = new ArrayList<>(queue);
                queue.clear();
            } else {
                batch = null;
            }
        }
        if (batch != null) {
            lead(batch);
        }
        synchronized (this) { // the leader wrote the request's fields under this lock
            mover.combined(request.outcome, request.checkpoint, request.failure);
        }
    }

    /** Makes the bulk claim of {@code batch} as the one claiming now, then lets the next one claim. */
    private void lead(List<Request> batch) {
        try {
            claimAll(batch);
        } catch (RuntimeException e) {
            // a bug of ours: every claim not decided fails with it and is retried; one whose destination epoch is
            // taken resumes it alone (a retry as a first claim would be refused at its own epoch)
            for (Request each : batch) {
                if (each.failure == null && each.outcome != Outcome.CLAIMED && each.outcome != Outcome.EPOCH_TAKEN) {
                    each.failure = e;
                }
            }
        } finally {
            synchronized (this) {
                claiming = false;
                for (Request each : batch) {
                    each.done = true;
                }
                notifyAll();
            }
        }
    }

    /** The most claims made in one bulk claim so far. */
    public int largestBulk() {
        return largest.get();
    }

    private void claimAll(List<Request> batch) {
        largest.accumulateAndGet(batch.size(), Math::max);
        Map<String, Long> epochs = new HashMap<>();
        Map<String, Request> bySession = new LinkedHashMap<>();
        for (Request request : batch) {
            request.outcome = Outcome.ALONE;
            if (bySession.putIfAbsent(request.mover.sessionId(), request) == null) {
                epochs.put(request.mover.sessionId(), request.mover.epoch());
            }
        }
        Map<String, Object> destinationOutcomes;
        try {
            destinationOutcomes = Applier.claimAll(destination, epochs);
        } catch (SQLException e) {
            batch.forEach(request -> request.failure = e);
            return;
        }
        Map<OutboxReader, Checkpoint> sourceClaims = new HashMap<>();
        Map<OutboxReader, Request> byReader = new HashMap<>();
        for (Map.Entry<String, Object> outcome : destinationOutcomes.entrySet()) {
            Request request = bySession.get(outcome.getKey());
            if (outcome.getValue() instanceof Exception refused) {
                request.failure = refused;
            } else {
                request.outcome = Outcome.EPOCH_TAKEN;
                request.checkpoint = (Checkpoint) outcome.getValue();
                sourceClaims.put(request.mover.reader(), request.checkpoint);
                byReader.put(request.mover.reader(), request);
            }
        }
        if (sourceClaims.isEmpty()) {
            return;
        }
        try {
            for (Map.Entry<OutboxReader, Object> outcome : OutboxReader.claimAll(sourceClaims).entrySet()) {
                Request request = byReader.get(outcome.getKey());
                if (outcome.getValue() instanceof Exception refused) {
                    request.failure = refused;
                } else {
                    request.outcome = Outcome.CLAIMED;
                    combined.incrementAndGet();
                }
            }
        } catch (SQLException e) {
            // the destination epochs stand: each mover takes its source alone, resuming its epoch
            for (Request request : byReader.values()) {
                request.outcome = Outcome.EPOCH_TAKEN;
            }
        }
    }
}
