package io.bambus.grid.bench;

import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.MemberProcesses;
import java.util.ArrayList;
import java.util.List;

/**
 * Throughput: events/s moved from source outboxes into the destination's activity tables by the
 * bus (2 member processes), against the plain JDBC mover with one thread per source and the same
 * batch size, on the same server, for 1, 2 and 4 sources. Arguments: [ordersPerSource] [batchSize]
 * [sourceCounts, e.g. 2,4 (default 1,2,4)].
 */
public final class Throughput {

    public static void main(String[] args) throws Exception {
        int orders = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int[] counts = args.length > 2 ? java.util.Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {1, 2, 4};
        List<String> lines = new ArrayList<>();
        for (int sources : counts) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < sources; i++) {
                ids.add("src" + i);
            }
            long events = (long) orders * BenchSupport.EVENTS_PER_ORDER * sources;
            double bus = bus(ids, orders, batch, events);
            double plain;
            try (BusEnvironment env = new BusEnvironment(ids, "batchSize: " + batch + "\n")) {
                deploy(env);
                for (String id : ids) {
                    BenchSupport.preload(env.sources.get(id), id, orders);
                }
                plain = BenchSupport.plainMove(env, batch);
            }
            String line = String.format("sources %d: %,d events; bus (2 members) %,.0f events/s; plain JDBC (%d thread%s) %,.0f events/s;"
                    + " ratio bus/plain %.2f", sources, events, bus, sources, sources == 1 ? "" : "s", plain, bus / plain);
            System.out.println("THROUGHPUT " + line);
            lines.add(line);
        }
        System.out.println();
        System.out.printf("Throughput, batch size %d, %d orders (x4 events) per source:%n", batch, orders);
        lines.forEach(line -> System.out.println("  " + line));
    }

    /** Loads the outboxes, starts 2 members and times from the first commit to the last. */
    private static double bus(List<String> ids, int orders, int batch, long events) throws Exception {
        try (BusEnvironment env = new BusEnvironment(ids, "batchSize: " + batch + "\n");
             MemberProcesses members = new MemberProcesses(env.configFile, 2)) {
            for (String id : ids) {
                BenchSupport.preload(env.sources.get(id), id, orders);
            }
            // both members up before anything moves: the figure is steady state, not start-up
            env.writeConfig(List.of(), "batchSize: " + batch + "\n");
            members.start(0);
            members.start(1);
            env.writeConfig(ids, "batchSize: " + batch + "\n");
            // the clock starts at the first commit seen; only events applied after it count
            long first = 0;
            long appliedAtFirst = 0;
            long deadline = System.nanoTime() + 600_000_000_000L;
            while (System.nanoTime() < deadline) {
                long applied = ids.stream().mapToLong(env::applied).sum();
                if (first == 0 && applied > 0) {
                    first = System.nanoTime();
                    appliedAtFirst = applied;
                }
                if (applied >= events) {
                    return (applied - appliedAtFirst) / ((System.nanoTime() - first) / 1e9);
                }
                BenchSupport.sleep(10);
            }
            throw new IllegalStateException("the bus did not move " + events + " events in 10 minutes");
        }
    }

    private static void deploy(BusEnvironment env) throws Exception {
        new io.bambus.core.activity.ActivityDeployer(env.destination)
                .deploy(io.bambus.core.activity.DefinitionFile.read(env.dir.resolve("definitions.yaml")));
    }
}
