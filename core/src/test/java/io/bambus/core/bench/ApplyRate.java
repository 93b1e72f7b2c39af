package io.bambus.core.bench;

import io.bambus.core.event.EventStream;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Batch-apply rate of the core, one thread: outbox → destination activity tables through
 * SessionMover, against a plain JDBC loop that applies the same events to the same tables with the
 * same batch size (no checkpoint, no fencing, no validation). Prints both and the ratio.
 *
 * <p>Run: {@code scripts/bench-apply-rate.sh [instances] [batchSize]}
 */
public final class ApplyRate {

    public static void main(String[] args) throws Exception {
        int instances = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int events = instances * 3;
        double bus;
        double plain;
        try (BusFixture fixture = new BusFixture()) {
            produce(fixture, instances);
            SessionMover mover = fixture.mover("bench", 1, batch);
            mover.claim();
            long start = System.nanoTime();
            long moved = BusFixture.drain(mover);
            bus = moved / ((System.nanoTime() - start) / 1e9);
            if (moved != events) {
                throw new IllegalStateException("moved " + moved + " of " + events);
            }
        }
        try (BusFixture fixture = new BusFixture()) {
            produce(fixture, instances);
            long start = System.nanoTime();
            plainApply(fixture, batch);
            plain = events / ((System.nanoTime() - start) / 1e9);
        }
        System.out.printf("apply rate, 1 thread, batch %d, %d events (begin+update+end per instance)%n", batch, events);
        System.out.printf("  bus core (read, decode, apply+checkpoint, acknowledge): %,.0f events/s%n", bus);
        System.out.printf("  plain JDBC baseline (read, apply, delete):             %,.0f events/s%n", plain);
        System.out.printf("  ratio bus / plain: %.2f%n", bus / plain);
    }

    private static void produce(BusFixture fixture, int instances) throws Exception {
        try (EventStream stream = EventStream.on(fixture.source).flushThreshold(2_000)) {
            for (int i = 0; i < instances; i++) {
                String id = "po-" + i;
                stream.beginActivity("PurchaseOrder", id)
                        .updateActivity("PurchaseOrder", id, "Customer", "customer " + i, "Quantity", i, "Step", 1)
                        .endActivity("PurchaseOrder", id);
            }
        }
    }

    /** What a hand-written mover would do: one transaction per batch, one statement kind per event. */
    private static void plainApply(BusFixture fixture, int batch) throws Exception {
        try (Connection source = fixture.source.getConnection(); Connection destination = fixture.destination.getConnection()) {
            destination.setAutoCommit(false);
            while (true) {
                List<Object[]> rows = new ArrayList<>();
                try (PreparedStatement read = source.prepareStatement(
                        "SELECT seq, kind, instance_id, payload, event_time FROM bam_outbox ORDER BY seq LIMIT ?")) {
                    read.setInt(1, batch);
                    try (ResultSet rs = read.executeQuery()) {
                        while (rs.next()) {
                            rows.add(new Object[] {rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBytes(4),
                                    rs.getObject(5, LocalDateTime.class)});
                        }
                    }
                }
                if (rows.isEmpty()) {
                    return;
                }
                try (PreparedStatement begin = destination.prepareStatement(
                        "INSERT INTO bam_PurchaseOrder_active (ActivityID, LastModified) VALUES (?, ?)"
                                + " ON DUPLICATE KEY UPDATE LastModified = VALUES(LastModified)");
                     PreparedStatement update = destination.prepareStatement(
                             "UPDATE bam_PurchaseOrder_active SET Customer = ?, Quantity = ?, Step = ?, LastModified = ?"
                                     + " WHERE ActivityID = ?");
                     PreparedStatement complete = destination.prepareStatement(
                             "INSERT INTO bam_PurchaseOrder_completed (ActivityID, LastModified, Customer, Quantity, Step)"
                                     + " SELECT ActivityID, ?, Customer, Quantity, Step FROM bam_PurchaseOrder_active WHERE ActivityID = ?");
                     PreparedStatement remove = destination.prepareStatement(
                             "DELETE FROM bam_PurchaseOrder_active WHERE ActivityID = ?")) {
                    // statements must run in event order, so each event executes on its own
                    for (Object[] row : rows) {
                        String id = (String) row[2];
                        LocalDateTime time = (LocalDateTime) row[4];
                        switch ((String) row[1]) {
                            case "BEGIN" -> {
                                begin.setString(1, id);
                                begin.setObject(2, time);
                                begin.executeUpdate();
                            }
                            case "UPDATE" -> {
                                String json = new String((byte[]) row[3]);
                                update.setString(1, json.replaceAll(".*\"Customer\":\"([^\"]*)\".*", "$1"));
                                update.setLong(2, Long.parseLong(json.replaceAll(".*\"Quantity\":(\\d+).*", "$1")));
                                update.setLong(3, 1);
                                update.setObject(4, time);
                                update.setString(5, id);
                                update.executeUpdate();
                            }
                            default -> {
                                complete.setObject(1, time);
                                complete.setString(2, id);
                                complete.executeUpdate();
                                remove.setString(1, id);
                                remove.executeUpdate();
                            }
                        }
                    }
                }
                destination.commit();
                try (PreparedStatement delete = source.prepareStatement("DELETE FROM bam_outbox WHERE seq BETWEEN ? AND ?")) {
                    delete.setLong(1, (Long) rows.get(0)[0]);
                    delete.setLong(2, (Long) rows.get(rows.size() - 1)[0]);
                    delete.executeUpdate();
                }
            }
        }
    }
}
