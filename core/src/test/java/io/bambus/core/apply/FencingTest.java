package io.bambus.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bambus.core.session.CheckpointMismatchException;
import io.bambus.core.session.StaleEpochException;
import io.bambus.core.session.Checkpoint;
import io.bambus.core.event.EventDecoder;
import io.bambus.core.event.EventStream;
import io.bambus.core.session.OutboxEvent;
import io.bambus.core.outbox.OutboxReader;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FencingTest {

    private BusFixture bus;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
        try (EventStream events = EventStream.on(bus.source)) {
            for (int i = 0; i < 5; i++) {
                events.beginActivity("PurchaseOrder", "po-" + i).updateActivity("PurchaseOrder", "po-" + i, "Step", i);
            }
        }
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    @Test
    void commitWithStaleEpochIsRefusedAndChangesNothing() throws Exception {
        OutboxReader reader = bus.reader(Duration.ofDays(1));
        Applier zombie = bus.applier("s");
        Checkpoint zombieView = zombie.claim(1, false);
        List<OutboxEvent> read = reader.read(100);

        // a new owner takes the session over while the zombie holds a batch
        SessionMover owner = bus.mover("s", 2, 3);
        owner.claim();
        owner.moveBatch();
        String before = bus.dumpDestination();
        String checkpointBefore = bus.one(bus.destination,
                "SELECT CONCAT_WS('|', epoch, batch_no, batch_seqs, events_applied) FROM bam_checkpoints");

        StaleEpochException refused = assertThrows(StaleEpochException.class,
                () -> zombie.apply(1, zombieView, read.stream().map(EventDecoder::decode).toList()));
        assertEquals(2, refused.recordedEpoch());
        assertEquals(before, bus.dumpDestination());
        assertEquals(checkpointBefore, bus.one(bus.destination,
                "SELECT CONCAT_WS('|', epoch, batch_no, batch_seqs, events_applied) FROM bam_checkpoints"));

        BusFixture.drain(owner);
        assertEquals(10, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints"));
    }

    @Test
    void claimWithAnOlderOrEqualEpochIsRefusedUnlessTheSameRunnerResumes() throws Exception {
        Applier applier = bus.applier("s");
        applier.claim(5, false);
        assertThrows(StaleEpochException.class, () -> applier.claim(4, false));
        assertThrows(StaleEpochException.class, () -> applier.claim(4, true));
        // a new runner never shares an epoch with an earlier one
        assertThrows(StaleEpochException.class, () -> applier.claim(5, false));
        assertEquals(5, applier.claim(5, true).epoch(), "the runner of epoch 5 may claim again after an error");
        assertEquals(6, applier.claim(6, false).epoch());
        assertEquals(6, bus.count(bus.destination, "SELECT epoch FROM bam_checkpoints"));
    }

    @Test
    void commitThatDoesNotContinueTheRecordedBatchIsRefused() throws Exception {
        Applier applier = bus.applier("s");
        Checkpoint start = applier.claim(1, false);
        List<OutboxEvent> read = bus.reader(Duration.ofDays(1)).read(2);
        applier.apply(1, start, read.stream().map(EventDecoder::decode).toList());
        String before = bus.dumpDestination();
        // same epoch, but from the stale checkpoint: would apply the batch twice
        assertThrows(CheckpointMismatchException.class,
                () -> applier.apply(1, start, read.stream().map(EventDecoder::decode).toList()));
        assertEquals(before, bus.dumpDestination());
        assertEquals(2, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints"));
    }
}
