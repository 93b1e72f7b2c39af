package io.bambus.core.outbox;

import io.bambus.core.config.SessionSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.session.SeqRanges;
import io.bambus.core.event.EventStream;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** DESIGN §4: sequence numbers are allocated at insert and visible at commit. */
class LateCommitTest {

    private BusFixture bus;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    @Test
    void lateCommitIsDeliveredOnceAndRollbackGapLosesNothing() throws Exception {
        List<Long> appliedSeqs = new ArrayList<>();
        // no gap wait: the session moves past the open transaction at once (the wait has its own test)
        SessionMover mover = new SessionMover(bus.reader(Duration.ofDays(1)), bus.applier("s"), 100,
                SessionSettings.DEFAULT_BATCH_BYTES, 0, 1);
        mover.claim();

        try (Connection slow = bus.source.getConnection(); Connection gap = bus.source.getConnection()) {
            slow.setAutoCommit(false);
            gap.setAutoCommit(false);
            // the slow transaction takes the lowest seq and commits last
            EventStream.on(slow).beginActivity("PurchaseOrder", "late").close();
            EventStream.on(gap).beginActivity("PurchaseOrder", "never").close();
            try (EventStream fast = EventStream.on(bus.source)) {
                fast.beginActivity("PurchaseOrder", "fast-1").beginActivity("PurchaseOrder", "fast-2");
            }
            long lateSeq = Long.parseLong(bus.one(bus.source, "SELECT MAX(seq) FROM bam_outbox")) - 3;

            moveAndRecord(mover, appliedSeqs);
            assertEquals(2, appliedSeqs.size(), "only the two committed events are visible");
            assertTrue(appliedSeqs.stream().allMatch(seq -> seq > lateSeq), "both read seqs are above the open one");

            gap.rollback();
            slow.commit();
        }
        try (EventStream after = EventStream.on(bus.source)) {
            after.beginActivity("PurchaseOrder", "after");
        }
        moveAndRecord(mover, appliedSeqs);

        assertEquals(4, appliedSeqs.size());
        assertEquals(4, appliedSeqs.stream().distinct().count(), "no seq applied twice: " + appliedSeqs);
        assertEquals(4, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active"));
        assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active WHERE ActivityID = 'late'"));
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active WHERE ActivityID = 'never'"));
        assertEquals(4, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints"));
        assertEquals(0, mover.moveBatch(), "nothing is left to move");
    }

    @Test
    void manyConcurrentWritersWithRollbacksDeliverEveryCommittedEventExactlyOnce() throws Exception {
        int writers = 4;
        int perWriter = 150;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            threads.add(new Thread(() -> {
                try (Connection app = bus.source.getConnection()) {
                    app.setAutoCommit(false);
                    for (int i = 0; i < perWriter; i++) {
                        EventStream.on(app).beginActivity("PurchaseOrder", "w" + writer + "-" + i).close();
                        if (i % 5 == 4) {
                            app.rollback();
                        } else {
                            app.commit();
                        }
                    }
                } catch (Throwable t) {
                    errors.add(t);
                }
            }, "writer-" + w));
        }
        threads.forEach(Thread::start);
        SessionMover mover = bus.mover("s", 1, 25);
        mover.claim();
        List<Long> appliedSeqs = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (threads.stream().anyMatch(Thread::isAlive) && System.nanoTime() < deadline) {
            moveAndRecord(mover, appliedSeqs);
        }
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        moveAndRecord(mover, appliedSeqs);
        assertTrue(errors.isEmpty(), errors.toString());
        long committed = writers * perWriter * 4L / 5;
        assertEquals(committed, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active"));
        assertEquals(committed, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints"));
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_failed_events"));
        assertEquals(0, bus.count(bus.destination,
                "SELECT COUNT(*) FROM bam_PurchaseOrder_active WHERE CAST(SUBSTRING_INDEX(ActivityID, '-', -1) AS UNSIGNED) % 5 = 4"));
        assertEquals(committed, appliedSeqs.size());
        assertEquals(committed, appliedSeqs.stream().distinct().count(), "a seq was applied twice");
    }

    /** Moves until idle, recording the seqs of every committed batch from its checkpoint. */
    private static void moveAndRecord(SessionMover mover, List<Long> appliedSeqs) throws Exception {
        while (mover.moveBatch() > 0) {
            SeqRanges seqs = mover.checkpoint().batchSeqs();
            for (int r = 0; r < seqs.rangeCount(); r++) {
                for (long s = seqs.from(r); s <= seqs.to(r); s++) {
                    appliedSeqs.add(s);
                }
            }
        }
    }
}
