package io.bambus.core.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.apply.Applier;
import io.bambus.core.apply.OutboxIdentityException;
import io.bambus.core.event.EventStream;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import io.bambus.core.testing.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** A checkpoint knows the outbox it came from; a claim against another one changes nothing (issue 13, 6). */
class OutboxIdentityTest {

    private static void produce(DataSource source, String prefix, int orders) throws Exception {
        try (EventStream events = EventStream.on(source)) {
            for (int i = 0; i < orders; i++) {
                events.beginActivity("PurchaseOrder", prefix + i).endActivity("PurchaseOrder", prefix + i);
            }
        }
    }

    @Test
    void aSessionPointedAtAnotherDatabaseMarksNothingThereUntilAnOperatorAdoptsIt() throws Exception {
        try (BusFixture bus = new BusFixture()) {
            produce(bus.source, "s1-", 40);
            SessionMover mover = bus.mover("s", 1, 25);
            mover.claim();
            assertEquals(80, BusFixture.drain(mover));

            // the source's URL now names another database whose outbox has seqs the checkpoint also has
            TestDatabase server = TestDatabase.get();
            String otherDb = server.create("src2");
            try (var other = server.pool(otherDb, 2)) {
                try (Connection connection = other.getConnection()) {
                    OutboxSchema.create(connection, OutboxSchema.DEFAULT_TABLE);
                }
                produce(other, "s2-", 40);
                Applier applier = bus.applier("s");
                SessionMover repointed = new SessionMover(new OutboxReader(other, OutboxSchema.DEFAULT_TABLE,
                        Duration.ofDays(1)), applier, 25, 2);
                OutboxIdentityException refused = assertThrows(OutboxIdentityException.class, repointed::claim);
                assertTrue(refused.getMessage().contains("adopt-outbox"), refused.getMessage());
                assertEquals(0, bus.count(other, "SELECT COUNT(*) FROM bam_outbox WHERE moved_batch IS NOT NULL"),
                        "no row of the other outbox was marked");
                assertEquals(0, bus.count(other, "SELECT COUNT(*) FROM bam_outbox_owner"));

                // the operator decides the new outbox continues the session
                assertTrue(applier.forgetOutbox());
                SessionMover adopted = new SessionMover(new OutboxReader(other, OutboxSchema.DEFAULT_TABLE,
                        Duration.ofDays(1)), applier, 25, 3);
                adopted.claim();
                assertEquals(80, BusFixture.drain(adopted), "every event of the adopted outbox is moved, none skipped");
                assertEquals(160, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints"));
                assertEquals(80, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_completed"));
            } finally {
                server.drop(otherDb);
            }
        }
    }

    @Test
    void anOutboxWhoseSeqsWentBackIsRefused() throws Exception {
        try (BusFixture bus = new BusFixture()) {
            produce(bus.source, "po-", 30);
            SessionMover mover = bus.mover("s", 1, 20);
            mover.claim();
            BusFixture.drain(mover);
            long last = bus.count(bus.source, "SELECT MAX(seq) FROM bam_outbox");
            // the source is restored from a copy taken before its last inserts and their acknowledgement
            bus.execute(bus.source, "DELETE FROM bam_outbox WHERE seq > " + (last - 10));
            bus.execute(bus.source, "UPDATE bam_outbox SET moved_batch = NULL, moved_at = NULL WHERE seq > " + (last - 30));
            bus.execute(bus.source, "UPDATE bam_outbox_owner SET max_seq = " + (last - 30));
            String before = bus.one(bus.source, "SELECT GROUP_CONCAT(CONCAT(seq, ':', IFNULL(moved_batch, '-'))"
                    + " ORDER BY seq) FROM bam_outbox");

            OutboxIdentityException refused = assertThrows(OutboxIdentityException.class, bus.mover("s", 2, 20)::claim);
            assertTrue(refused.getMessage().contains("went back"), refused.getMessage());
            assertEquals(before, bus.one(bus.source, "SELECT GROUP_CONCAT(CONCAT(seq, ':', IFNULL(moved_batch, '-'))"
                    + " ORDER BY seq) FROM bam_outbox"), "the claim marked nothing");
        }
    }

    @Test
    void aLostAcknowledgementIsNotMistakenForAnOutboxThatWentBack() throws Exception {
        try (BusFixture bus = new BusFixture()) {
            produce(bus.source, "po-", 30);
            Applier applier = bus.applier("s");
            SessionMover mover = bus.mover("s", 1, 20);
            mover.claim();
            mover.moveBatch();
            // the next batch commits in the destination, then the runner dies before acknowledging it
            OutboxReader reader = bus.reader(Duration.ofDays(1));
            applier.apply(1, mover.checkpoint(), reader.read(20).stream().map(io.bambus.core.event.EventDecoder::decode).toList());
            SessionMover next = bus.mover("s", 2, 20);
            next.claim();
            BusFixture.drain(next);
            assertEquals(60, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints"));
            assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_failed_events"));
        }
    }
}
