package io.bambus.core.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bambus.core.apply.Applier;
import io.bambus.core.session.Checkpoint;
import io.bambus.core.session.StaleEpochException;
import io.bambus.core.event.EventStream;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every write the bus makes to a source is fenced by the session's newest epoch (issue 12). */
class SourceFencingTest {

    private static final int ORDERS = 30;
    private BusFixture bus;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
        try (EventStream events = EventStream.on(bus.source)) {
            for (int i = 0; i < ORDERS; i++) {
                events.beginActivity("PurchaseOrder", "po-" + i)
                        .updateActivity("PurchaseOrder", "po-" + i, "Step", 1)
                        .endActivity("PurchaseOrder", "po-" + i);
            }
        }
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    @Test
    void aLateReconcileOfAnOlderEpochUnmarksNothingSoNoEventIsAppliedTwice() throws Exception {
        // epoch 1 claims in the destination, then stalls before it reconciles the source
        SessionMover first = bus.mover("s", 1, 20);
        first.claim();
        first.moveBatch();
        Checkpoint slowClaim = bus.applier("s").claim(1, true);

        // epoch 2 takes over, moves and acknowledges everything
        SessionMover second = bus.mover("s", 2, 20);
        second.claim();
        BusFixture.drain(second);
        assertEquals(0, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox WHERE COALESCE(moved_batch, 0) = 0"));

        // epoch 1 wakes up and reconciles from its old checkpoint: it would unmark epoch 2's batches
        OutboxReader zombie = bus.reader(Duration.ofDays(1));
        StaleEpochException refused = assertThrows(StaleEpochException.class, () -> zombie.claim(slowClaim));
        assertEquals(2, refused.recordedEpoch());
        assertThrows(StaleEpochException.class, () -> zombie.acknowledge(first.checkpoint()));
        assertThrows(StaleEpochException.class, () -> zombie.purge("s", 1, 1000));

        assertEquals(0, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox WHERE COALESCE(moved_batch, 0) = 0"),
                "the zombie unmarked nothing");
        // a third runner finds nothing to move again: every event exactly once
        SessionMover third = bus.mover("s", 3, 20);
        third.claim();
        assertEquals(0, BusFixture.drain(third));
        assertEquals(3L * ORDERS, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints WHERE session_id = 's'"));
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_failed_events"));
        assertEquals(ORDERS, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_completed"));
    }

    @Test
    void theSourceRecordsTheNewestEpochThatWroteThere() throws Exception {
        SessionMover mover = bus.mover("s", 7, 50);
        mover.claim();
        BusFixture.drain(mover);
        assertEquals(7, bus.count(bus.source, "SELECT epoch FROM bam_outbox_owner WHERE session_id = 's'"));
        assertEquals(bus.count(bus.source, "SELECT MAX(seq) FROM bam_outbox"),
                bus.count(bus.source, "SELECT max_seq FROM bam_outbox_owner WHERE session_id = 's'"));
        assertEquals(bus.count(bus.destination, "SELECT batch_no FROM bam_checkpoints"),
                bus.count(bus.source, "SELECT batch_no FROM bam_outbox_owner WHERE session_id = 's'"));
        Applier applier = bus.applier("s");
        assertEquals(bus.one(bus.source, "SELECT outbox_id FROM bam_outbox_owner WHERE session_id = 's'"),
                applier.checkpoint().outboxId(), "the checkpoint records the outbox it came from");
    }
}
