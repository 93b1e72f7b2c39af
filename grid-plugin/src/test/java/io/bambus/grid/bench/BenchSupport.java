package io.bambus.grid.bench;

import io.bambus.core.event.EventStream;
import io.bambus.core.testing.PlainMover;
import io.bambus.grid.testing.BusEnvironment;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/** What the benchmarks share: loading outboxes, the plain JDBC mover (the baseline), statistics. */
final class BenchSupport {

    static final int EVENTS_PER_ORDER = 4;

    private BenchSupport() {
    }

    /**
     * The arguments the rate benchmarks share: [ordersPerSource] (default 20,000) [batchSize] (500)
     * [sourceCounts, e.g. 2,4] (1,2,4) [warmUpOrdersPerSource] (3 × ordersPerSource); {@code rest} holds
     * what follows them.
     */
    record RateArgs(int orders, int batch, int[] counts, int warmUp, String[] rest) {

        static RateArgs parse(String[] args) {
            int orders = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
            int batch = args.length > 1 ? Integer.parseInt(args[1]) : 500;
            int[] counts = args.length > 2 ? Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
                    : new int[] {1, 2, 4};
            int warmUp = args.length > 3 ? Integer.parseInt(args[3]) : 3 * orders;
            return new RateArgs(orders, batch, counts, warmUp, Arrays.copyOfRange(args, Math.min(4, args.length), args.length));
        }
    }

    /** Writes {@code orders} orders (4 events each) into a source's outbox, in large transactions. */
    /** The ids of {@code count} benchmark sources: src0, src1, ... */
    static List<String> sourceIds(int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add("src" + i);
        }
        return ids;
    }

    static void preload(DataSource source, String prefix, int orders) throws Exception {
        try (Connection connection = source.getConnection()) {
            connection.setAutoCommit(false);
            try (EventStream events = EventStream.on(connection).flushThreshold(4_000)) {
                for (int i = 0; i < orders; i++) {
                    String id = prefix + "-" + i;
                    events.beginActivity("Order", id)
                            .updateActivity("Order", id, "Customer", "customer " + i, "Step", 1, "Placed", Instant.now())
                            .updateActivity("Order", id, "Step", 2)
                            .endActivity("Order", id);
                    if (i % 1_000 == 999) {
                        events.flush();
                        connection.commit();
                    }
                }
            }
            connection.commit();
        }
    }

    /** Deploys the benchmark's activity definitions into the environment's destination. */
    static void deploy(BusEnvironment env) throws Exception {
        env.definitions(BusEnvironment.PLAIN_DEFINITIONS);
        new io.bambus.core.schema.ActivityDeployer(env.destination)
                .deploy(io.bambus.core.activity.DefinitionFile.read(env.dir.resolve("definitions.yaml")));
    }

    /**
     * The "no bus" baseline: one thread per source runs {@link PlainMover} (plain JDBC, one
     * transaction per batch, one statement per event) in this JVM. Measured as the bus is
     * ({@link BusRate#window}): over the events after the first {@code warm}.
     */
    static BusRate.Result plainMove(BusEnvironment env, int batchSize, long warm, long total) throws Exception {
        java.util.concurrent.atomic.AtomicLong moved = new java.util.concurrent.atomic.AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        int index = 0;
        for (DataSource source : env.sources.values()) {
            Thread thread = new Thread(() -> {
                try {
                    PlainMover.move(source, "bam_outbox", env.destination, "Order", batchSize, moved::addAndGet);
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "plain-mover-" + index++);
            thread.start();
            threads.add(thread);
        }
        long self = ProcessHandle.current().pid();
        BusRate.Result result = BusRate.window(() -> {
            if (failure.get() != null) {
                throw new IllegalStateException("plain mover failed", failure.get());
            }
            return moved.get();
        }, warm, total, new long[] {self}, -1, "the plain mover");
        for (Thread thread : threads) {
            thread.join();
        }
        return result;
    }

    /**
     * Waits until the JIT compilers of the first {@code count} members have spent less than 0.25 s
     * compiling over the last {@code quietMillis} (jstat's compile time), at most {@code maxMillis}:
     * members that started minutes ago still compile the code they run, which on two cores takes CPU
     * from what is measured. A long-running cluster's members are past that. Says what it saw.
     */
    static String awaitJitQuiet(io.bambus.grid.testing.MemberProcesses members, int count, long quietMillis, long maxMillis)
            throws Exception {
        long start = System.currentTimeMillis();
        java.util.ArrayDeque<double[]> history = new java.util.ArrayDeque<>(); // {millis, compile seconds of all members}
        while (true) {
            double seconds = 0;
            for (int i = 0; i < count; i++) {
                seconds += compileSeconds(members.pid(i));
            }
            long now = System.currentTimeMillis();
            history.addLast(new double[] {now, seconds});
            while (history.size() > 1 && now - history.peekFirst()[0] > quietMillis) {
                history.removeFirst();
            }
            double recent = seconds - history.peekFirst()[1];
            boolean full = now - history.peekFirst()[0] >= quietMillis - 1_000;
            if (full && recent < 0.25) {
                return String.format("members' JIT compilers quiet (%.2f s compiling in the last %d s) after waiting %.1f s",
                        recent, quietMillis / 1000, (now - start) / 1000.0);
            }
            if (now - start > maxMillis) {
                return String.format("members' JIT compilers still busy after %d s (%.2f s compiling in the last %d s)",
                        maxMillis / 1000, recent, quietMillis / 1000);
            }
            sleep(1_000);
        }
    }

    /** A process's total JIT compile time so far, from {@code jstat -compiler}. */
    private static double compileSeconds(long pid) throws Exception {
        Process jstat = new ProcessBuilder("jstat", "-compiler", String.valueOf(pid)).redirectErrorStream(true).start();
        List<String> lines = new String(jstat.getInputStream().readAllBytes()).lines().toList();
        if (!jstat.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || lines.size() < 2) {
            throw new IllegalStateException("jstat -compiler " + pid + " gave: " + lines);
        }
        return Double.parseDouble(lines.get(1).trim().split("\\s+")[3]);
    }

    /** min / median / p90 / max of a sample, in the sample's unit. */
    static String summary(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(Long::compare);
        return String.format("n=%d min %d, median %d, p90 %d, max %d", sorted.size(), sorted.get(0),
                percentile(sorted, 50), percentile(sorted, 90), sorted.get(sorted.size() - 1));
    }

    static long percentile(List<Long> sorted, double p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
