package io.bambus.core.bench;

import io.bambus.core.event.EventStream;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import io.bambus.core.testing.PlainMover;

/**
 * Batch-apply rate of the core, one thread: outbox → destination activity tables through
 * SessionMover, against a plain JDBC loop that applies the same events to the same tables with the
 * same batch size ({@link PlainMover}: no checkpoint, no fencing, no validation). Prints both and the ratio.
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

    private static void plainApply(BusFixture fixture, int batch) throws Exception {
        PlainMover.move(fixture.source, "bam_outbox", fixture.destination, "PurchaseOrder", batch);
    }
}
