package io.bambus.core.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bambus.core.apply.Applier;
import io.bambus.core.event.DecodedEvent;
import io.bambus.core.event.EventDecoder;
import io.bambus.core.event.EventStream;
import io.bambus.core.outbox.OutboxReader;
import io.bambus.core.testing.BusFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The outbox keeps moved rows for the retention period; a restored destination gets them again. */
class DestinationRestoreTest {

    @Test
    void destinationRestoredToAnOlderCheckpointReplaysWhatItLacksExactlyOnce() throws Exception {
        try (BusFixture bus = new BusFixture()) {
            String expected = moveAndRestore(bus);
            takeOverAndCheck(bus, 2, expected);
        }
    }

    /**
     * After a restore the destination's checkpoint is behind the source's marks; a runner that
     * replays, commits a batch and dies before acknowledging it leaves that batch unmarked: the
     * next claim must mark it, though the source once marked batches beyond it.
     */
    @Test
    void aBatchReplayedAfterARestoreWhoseAcknowledgementWasLostIsNotAppliedTwice() throws Exception {
        try (BusFixture bus = new BusFixture()) {
            String expected = moveAndRestore(bus);

            // epoch 2 claims (unmarking what the restored destination lacks), commits one batch and dies before its acknowledgement
            OutboxReader reader = bus.reader(Duration.ofDays(1));
            Applier applier = bus.applier("s");
            SessionMover replaying = new SessionMover(reader, applier, 8, 2);
            replaying.claim();
            List<DecodedEvent> batch = reader.read(8).stream().map(EventDecoder::decode).toList();
            assertEquals(8, batch.size());
            applier.apply(2, replaying.checkpoint(), batch);

            takeOverAndCheck(bus, 3, expected);
        }
    }

    /**
     * Moves 20 orders, backs the destination up, moves 20 more, then restores the backup; returns the
     * destination as it was before the restore, which the bus must bring back exactly.
     */
    private static String moveAndRestore(BusFixture bus) throws Exception {
        write(bus, 0, 20);
        SessionMover mover = bus.mover("s", 1, 8);
        mover.claim();
        BusFixture.drain(mover);
        List<String> tables = copyTables(bus, "backup_");      // the "backup" at this checkpoint
        write(bus, 20, 40);
        BusFixture.drain(mover);
        String expected = bus.dumpDestination();
        restoreTables(bus, tables, "backup_");                 // the DBA restores the backup
        return expected;
    }

    /** A runner of {@code epoch} claims and moves everything: the destination ends as {@code expected}, each event once. */
    private static void takeOverAndCheck(BusFixture bus, long epoch, String expected) throws Exception {
        SessionMover mover = bus.mover("s", epoch, 8);
        mover.claim();
        BusFixture.drain(mover);
        assertEquals(expected, bus.dumpDestination());
        assertEquals(80, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints"));
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_failed_events"));
    }

    private static void write(BusFixture bus, int from, int to) throws Exception {
        try (EventStream events = EventStream.on(bus.source)) {
            for (int i = from; i < to; i++) {
                events.beginActivity("PurchaseOrder", "po-" + i).endActivity("PurchaseOrder", "po-" + i);
            }
        }
    }

    private static List<String> copyTables(BusFixture bus, String prefix) throws Exception {
        List<String> tables = new ArrayList<>();
        try (Connection connection = bus.destination.getConnection(); Statement statement = connection.createStatement()) {
            try (ResultSet rows = statement.executeQuery("SELECT table_name FROM information_schema.tables"
                    + " WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'")) {
                while (rows.next()) {
                    tables.add(rows.getString(1));
                }
            }
            for (String table : tables) {
                statement.execute("CREATE TABLE `" + prefix + table + "` LIKE `" + table + "`");
                statement.execute("INSERT INTO `" + prefix + table + "` SELECT * FROM `" + table + "`");
            }
        }
        return tables;
    }

    private static void restoreTables(BusFixture bus, List<String> tables, String prefix) throws Exception {
        try (Connection connection = bus.destination.getConnection(); Statement statement = connection.createStatement()) {
            for (String table : tables) {
                statement.execute("DELETE FROM `" + table + "`");
                statement.execute("INSERT INTO `" + table + "` SELECT * FROM `" + prefix + table + "`");
            }
        }
    }
}
