package io.bambus.core.runner;

import io.bambus.core.config.SessionSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.session.StaleEpochException;
import io.bambus.core.event.EventStream;
import io.bambus.core.outbox.OutboxReader;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.testing.BusFixture;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sessions taken over at once (a member's loss) claim together: one bulk claim for those that need
 * only their epochs taken, each alone where a batch must be marked first; a session a newer runner
 * holds is refused; every event still moves exactly once.
 */
class ClaimCombinerTest {

    private static final int SESSIONS = 12;

    private BusFixture bus;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
        try (Connection connection = bus.source.getConnection()) {
            for (int i = 0; i < SESSIONS; i++) {
                OutboxSchema.create(connection, "ob_" + i);
            }
        }
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    @Test
    void sessionsTakenOverAtOnceClaimTogetherAndMoveEveryEventOnce() throws Exception {
        produce(0, 5);
        for (int i = 0; i < SESSIONS; i++) {
            SessionMover first = mover(i, 1, null);
            first.claim();
            assertEquals(10, BusFixture.drain(first));
        }
        // session 0 lost its last acknowledgement: its claim must mark that batch, alone
        bus.execute(bus.source, "UPDATE ob_0 SET moved_batch = 0 WHERE moved_batch = 1");
        bus.execute(bus.source, "UPDATE bam_outbox_owner SET batch_no = 0 WHERE session_id = 's0'");
        // session 1 was taken by a newer runner meanwhile; session 2 by another runner of the very epoch claimed now
        bus.execute(bus.destination, "UPDATE bam_checkpoints SET epoch = 9 WHERE session_id = 's1'");
        bus.execute(bus.destination, "UPDATE bam_checkpoints SET epoch = 2 WHERE session_id = 's2'");
        produce(5, 3);

        ClaimCombiner combiner = new ClaimCombiner(bus.destination);
        List<SessionMover> movers = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            movers.add(mover(i, 2, combiner));
        }
        ExecutorService threads = Executors.newFixedThreadPool(SESSIONS);
        try {
            CyclicBarrier together = new CyclicBarrier(SESSIONS);
            List<Future<Object>> claims = new ArrayList<>();
            for (SessionMover mover : movers) {
                claims.add(threads.submit(() -> {
                    together.await(30, TimeUnit.SECONDS);
                    try {
                        return mover.claim();
                    } catch (StaleEpochException e) {
                        return e;
                    }
                }));
            }
            for (int i = 0; i < SESSIONS; i++) {
                Object outcome = claims.get(i).get(60, TimeUnit.SECONDS);
                if (i == 1 || i == 2) {
                    assertInstanceOf(StaleEpochException.class, outcome, "s" + i + ": a session a newer epoch or a runner"
                            + " of the same epoch holds is refused (two runners never share an epoch)");
                } else {
                    assertInstanceOf(io.bambus.core.session.Checkpoint.class, outcome, "s" + i + " claimed: " + outcome);
                }
            }
        } finally {
            threads.shutdownNow();
        }
        for (int i = 0; i < SESSIONS; i++) {
            if (i != 1 && i != 2) {
                assertEquals(6, BusFixture.drain(movers.get(i)), "s" + i + ": the events after the take-over, none again");
                assertEquals(16, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints WHERE session_id = 's"
                        + i + "'"), "s" + i + ": every event applied once");
                assertEquals(2, bus.count(bus.source, "SELECT epoch FROM bam_outbox_owner WHERE session_id = 's" + i + "'"));
            }
        }
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_failed_events"), "no event applied twice");
        assertEquals(1, bus.count(bus.source, "SELECT epoch FROM bam_outbox_owner WHERE session_id = 's1'"),
                "the refused claim changed nothing in the source");
        assertEquals(SESSIONS - 3, combiner.combinedClaims(), "every claim but s0's (a batch to mark), s1's and s2's (refused)");
        assertTrue(combiner.largestBulk() > 1, "claims waiting together went in one bulk claim: " + combiner.largestBulk());
    }

    @Test
    void claimsHandedOverTogetherAreMadeInOneBulkClaimAndEachMoverTakesItsOwn() throws Exception {
        produce(0, 5);
        for (int i = 0; i < SESSIONS; i++) {
            SessionMover first = mover(i, 1, null);
            first.claim();
            assertEquals(10, BusFixture.drain(first));
        }
        bus.execute(bus.destination, "UPDATE bam_checkpoints SET epoch = 9 WHERE session_id = 's1'");
        produce(5, 3);
        ClaimCombiner combiner = new ClaimCombiner(bus.destination);
        List<SessionMover> movers = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            movers.add(mover(i, 2, combiner));
        }
        assertEquals(SESSIONS - 1, combiner.claimTogether(movers), "all but the one a newer epoch holds");
        assertEquals(SESSIONS, combiner.largestBulk(), "one bulk claim for all");
        org.junit.jupiter.api.Assertions.assertThrows(StaleEpochException.class, movers.get(1)::claim);
        for (int i = 0; i < SESSIONS; i++) {
            if (i != 1) {
                SessionMover mover = movers.get(i);
                assertEquals(2, mover.claim().epoch(), "s" + i + ": its claim was made");
                assertEquals(6, BusFixture.drain(mover), "s" + i + ": the events after the take-over, none again");
            }
        }
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_failed_events"));
    }

    @Test
    void aCheckpointRowAnotherTransactionHoldsIsLeftToItsOwnClaimAndHoldsUpNoOther() throws Exception {
        produce(0, 2);
        for (int i = 0; i < SESSIONS; i++) {
            SessionMover first = mover(i, 1, null);
            first.claim();
            BusFixture.drain(first);
        }
        ClaimCombiner combiner = new ClaimCombiner(bus.destination);
        List<SessionMover> movers = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            movers.add(mover(i, 2, combiner));
        }
        // a member that died mid-batch: the server keeps its transaction, and s3's checkpoint lock, until it notices
        try (Connection dead = bus.destination.getConnection()) {
            dead.setAutoCommit(false);
            try (Statement statement = dead.createStatement()) {
                statement.executeQuery("SELECT epoch FROM bam_checkpoints WHERE session_id = 's3' FOR UPDATE").close();
            }
            long started = System.nanoTime();
            assertEquals(SESSIONS - 1, combiner.claimTogether(movers), "every session but the held one is claimed");
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(tookMillis < 10_000, "the bulk claim waited " + tookMillis + " ms for a row it skips (lock wait: 50 s)");
            dead.rollback();
        }
        assertEquals(2, movers.get(3).claim().epoch(), "the held session claims alone once the row is free");
        for (SessionMover mover : movers) {
            assertEquals(0, BusFixture.drain(mover));
        }
    }

    @Test
    void aStoredSessionIdThatDiffersInLetterCaseIsLeftToItsOwnClaim() throws Exception {
        produce(0, 1);
        SessionMover first = mover(0, 1, null);
        first.claim();
        BusFixture.drain(first);
        // the checkpoint row says 'S0', the session is 's0': the table's collation matches them, Java does not
        bus.execute(bus.destination, "UPDATE bam_checkpoints SET session_id = 'S0' WHERE session_id = 's0'");
        ClaimCombiner combiner = new ClaimCombiner(bus.destination);
        SessionMover taken = mover(0, 2, combiner);
        SessionMover other = mover(1, 2, combiner);
        assertEquals(0, combiner.claimTogether(List.of(taken, other)), "neither made in bulk: s1 has no row, S0 is not s0");
        assertEquals(2, taken.claim().epoch(), "the session claims alone, as before bulk claims");
    }

    private SessionMover mover(int i, long epoch, ClaimCombiner combiner) {
        return new SessionMover(new OutboxReader(bus.source, "ob_" + i, Duration.ofDays(1)), bus.applier("s" + i), 100,
                SessionSettings.DEFAULT_BATCH_BYTES, SessionSettings.DEFAULT_GAP_WAIT_MILLIS, epoch, combiner);
    }

    /** Orders {@code from} .. {@code from + n - 1} (Begin and Update each) into every outbox. */
    private void produce(int from, int n) throws Exception {
        for (int i = 0; i < SESSIONS; i++) {
            try (EventStream events = EventStream.on(bus.source).outboxTable("ob_" + i)) {
                for (int order = from; order < from + n; order++) {
                    String id = "s" + i + "-" + order;
                    events.beginActivity("PurchaseOrder", id).updateActivity("PurchaseOrder", id, "Step", order);
                }
            }
        }
    }
}
