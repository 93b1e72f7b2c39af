package io.bambus.core.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bambus.core.apply.Applier;
import io.bambus.core.session.Checkpoint;
import io.bambus.core.event.DecodedEvent;
import io.bambus.core.event.EventDecoder;
import io.bambus.core.event.EventStream;
import io.bambus.core.session.OutboxEvent;
import io.bambus.core.outbox.OutboxReader;
import io.bambus.core.testing.BusFixture;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A runner dies at each step of one batch cycle; a new runner (next epoch) takes over. The
 * destination must end identical to a run without a crash, with every event applied once.
 */
class CrashRecoveryTest {

    enum CrashPoint { AFTER_READ, AFTER_DESTINATION_COMMIT, AFTER_SOURCE_CLEANUP }

    private static final int BATCH = 7;

    private static void produce(BusFixture bus) throws Exception {
        try (EventStream events = EventStream.on(bus.source)) {
            for (int i = 0; i < 10; i++) {
                String id = "po-" + i;
                events.beginActivity("PurchaseOrder", id)
                        .updateActivity("PurchaseOrder", id, "Customer", "c" + i, "Step", 1)
                        .updateActivity("PurchaseOrder", id, "Step", 2);
                if (i % 2 == 0) {
                    events.endActivity("PurchaseOrder", id);
                }
            }
        }
    }

    /** The same outbox rows (same seqs and event times), moved without a crash. */
    private static String referenceRun(BusFixture crashed) throws Exception {
        try (BusFixture bus = new BusFixture()) {
            bus.execute(bus.source, "INSERT INTO bam_outbox SELECT * FROM `" + crashed.sourceDb + "`.bam_outbox");
            SessionMover mover = bus.mover("s", 1, BATCH);
            mover.claim();
            BusFixture.drain(mover);
            return bus.dumpDestination();
        }
    }

    @ParameterizedTest
    @EnumSource(CrashPoint.class)
    void redoAfterACrashLeavesTheDestinationIdenticalWithNoEventTwice(CrashPoint crash) throws Exception {
        try (BusFixture bus = new BusFixture()) {
            produce(bus);
            String expected = referenceRun(bus);
            long total = bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox");

            // runner of epoch 1 moves one batch fully, then dies inside the second
            OutboxReader reader = bus.reader(Duration.ofDays(1));
            Applier applier = bus.applier("s");
            SessionMover first = new SessionMover(reader, applier, BATCH, 1);
            first.claim();
            first.moveBatch();
            List<OutboxEvent> read = reader.read(BATCH);
            if (crash != CrashPoint.AFTER_READ) {
                List<DecodedEvent> decoded = read.stream().map(EventDecoder::decode).toList();
                Applier.Result result = applier.apply(1, first.checkpoint(), decoded);
                if (crash == CrashPoint.AFTER_SOURCE_CLEANUP) {
                    reader.acknowledge(result.checkpoint());
                }
            }

            // the survivor takes over with a new epoch and finishes
            SessionMover second = bus.mover("s", 2, BATCH);
            Checkpoint resumed = second.claim();
            assertEquals(crash == CrashPoint.AFTER_READ ? 1 : 2, resumed.batchNo());
            BusFixture.drain(second);

            assertEquals(expected, bus.dumpDestination());
            assertEquals(total, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints WHERE session_id = 's'"));
            assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_failed_events"));
            assertEquals(0, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox WHERE COALESCE(moved_batch, 0) = 0"));
        }
    }
}
