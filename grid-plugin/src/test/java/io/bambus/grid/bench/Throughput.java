package io.bambus.grid.bench;

import io.bambus.grid.testing.BusEnvironment;
import java.util.ArrayList;
import java.util.List;

/**
 * Throughput: events/s moved from source outboxes into the destination's activity tables by the
 * bus (2 member processes), against the plain JDBC mover with one thread per source and the same
 * batch size, on the same server, for 1, 2 and 4 sources. Both are timed over the measured part of
 * each outbox, after a warm-up part of the same shape ({@link BusRate}). And the bus again with one real-time
 * aggregation of three dimensions kept on the activity (issue 27: at least 80 % of the bus's rate without).
 * Arguments: [ordersPerSource] [batchSize] [sourceCounts, e.g. 2,4 (default 1,2,4)] [warmUpOrdersPerSource].
 */
public final class Throughput {

    public static void main(String[] args) throws Exception {
        BenchSupport.RateArgs parsed = BenchSupport.RateArgs.parse(args);
        int orders = parsed.orders();
        int batch = parsed.batch();
        int[] counts = parsed.counts();
        int warmUp = parsed.warmUp();
        List<String> lines = new ArrayList<>();
        for (int sources : counts) {
            BusRate.Result bus = BusRate.measure(sources, orders, warmUp, batch, -1);
            BusRate.Result withRta = BusRate.measure(sources, orders, warmUp, batch, -1, BusEnvironment.RTA_DEFINITIONS);
            BusRate.Result plain = plain(sources, orders, warmUp, batch);
            String line = String.format("sources %d: %,d events; bus (2 members) %,.0f events/s; plain JDBC (%d thread%s)"
                    + " %,.0f events/s; ratio bus/plain %.2f; bus keeping one 3-dimension aggregation %,.0f events/s, ratio"
                    + " with/without %.2f (target >= 0.80)", sources, bus.events(), bus.eventsPerSecond(), sources,
                    sources == 1 ? "" : "s", plain.eventsPerSecond(), bus.eventsPerSecond() / plain.eventsPerSecond(),
                    withRta.eventsPerSecond(), withRta.eventsPerSecond() / bus.eventsPerSecond());
            System.out.println("THROUGHPUT " + line);
            lines.add(line);
        }
        System.out.println();
        System.out.printf("Throughput, batch size %d, %d orders (x4 events) per source timed after %d warm-up orders:%n",
                batch, orders, warmUp);
        lines.forEach(line -> System.out.println("  " + line));
    }

    /** The plain JDBC mover over {@code sources} preloaded outboxes, timed as the bus is. */
    static BusRate.Result plain(int sources, int orders, int warmUp, int batch) throws Exception {
        List<String> ids = BenchSupport.sourceIds(sources);
        try (BusEnvironment env = new BusEnvironment(ids, "batchSize: " + batch + "\n")) {
            env.definitions(BusEnvironment.PLAIN_DEFINITIONS); // the rates of record: no aggregation kept
            BenchSupport.deploy(env);
            for (String id : ids) {
                BenchSupport.preload(env.sources.get(id), id, warmUp + orders);
            }
            return BenchSupport.plainMove(env, batch, (long) warmUp * BenchSupport.EVENTS_PER_ORDER * sources,
                    (long) (warmUp + orders) * BenchSupport.EVENTS_PER_ORDER * sources);
        }
    }
}
