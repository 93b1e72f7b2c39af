package io.bambus.core.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.schema.OutboxFormat;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.apply.Applier;
import io.bambus.core.session.OutboxIdentityException;
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
                assertEquals(0, bus.count(other, "SELECT COUNT(*) FROM bam_outbox WHERE moved_batch > 0"),
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
            assertEquals(3, bus.count(bus.destination, "SELECT batch_no FROM bam_checkpoints"));
            String marks = "SELECT GROUP_CONCAT(CONCAT(seq, ':', IF(moved_batch = 0, '-', moved_batch)) ORDER BY seq) FROM bam_outbox";
            // failed over to a replica that has every row but missed the last two acknowledgements
            bus.execute(bus.source, "UPDATE bam_outbox SET moved_batch = 0, moved_at = '" + OutboxFormat.NOT_MOVED_AT + "' WHERE moved_batch > 1");
            bus.execute(bus.source, "UPDATE bam_outbox_owner SET batch_no = 1");
            String before = bus.one(bus.source, marks);
            OutboxIdentityException refused = assertThrows(OutboxIdentityException.class, bus.mover("s", 2, 20)::claim);
            assertTrue(refused.getMessage().contains("went back"), refused.getMessage());
            assertEquals(before, bus.one(bus.source, marks), "the claim marked nothing");

            // restored from a copy that missed the last acknowledgement and some of that batch's inserts
            bus.execute(bus.source, "UPDATE bam_outbox_owner SET batch_no = 2");
            bus.execute(bus.source, "UPDATE bam_outbox SET moved_batch = 2 WHERE COALESCE(moved_batch, 0) = 0 AND seq <= "
                    + "(SELECT MIN(seq) + 19 FROM (SELECT seq FROM bam_outbox WHERE COALESCE(moved_batch, 0) = 0) unmoved)");
            bus.execute(bus.source, "DELETE FROM bam_outbox WHERE seq > (SELECT MAX(seq) - 5 FROM (SELECT seq FROM bam_outbox) o)");
            before = bus.one(bus.source, marks);
            refused = assertThrows(OutboxIdentityException.class, bus.mover("s", 3, 20)::claim);
            assertTrue(refused.getMessage().contains("went back"), refused.getMessage());
            assertEquals(before, bus.one(bus.source, marks), "the claim marked nothing");
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
