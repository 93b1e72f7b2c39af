package io.bambus.grid.bench;

import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.MemberProcesses;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The bus's rate over preloaded outboxes, on 2 member processes, in steady state: each outbox holds
 * a warm-up part and a measured part, and the clock runs only over the measured part, from the moment
 * the warm-up events are applied to the last event (a member fresh from its start spends most of its
 * CPU in the JIT compiler on this machine for a minute: BENCHMARKS.md). The same window gives the CPU
 * the members and the database server used.
 */
final class BusRate {

    /** What one round gave: events and seconds of the measured part, and CPU seconds in that window. */
    record Result(long events, double seconds, double memberCpuSeconds, double serverCpuSeconds) {

        double eventsPerSecond() {
            return events / seconds;
        }

        /** CPU seconds per 10,000 events of the pipeline's own processes. */
        double cpuPer10k() {
            return memberCpuSeconds * 10_000 / events;
        }
    }

    private BusRate() {
    }

    /**
     * {@code sources} sources of {@code warmUpOrders + orders} orders each; {@code serverPid} is the
     * database server's process (-1: its CPU is not measured).
     */
    static Result measure(int sources, int orders, int warmUpOrders, int batch, long serverPid) throws Exception {
        return measure(sources, orders, warmUpOrders, batch, serverPid, BusEnvironment.PLAIN_DEFINITIONS);
    }

    /** As above, with the members loading {@code definitions} (an activity with an aggregation, say). */
    static Result measure(int sources, int orders, int warmUpOrders, int batch, long serverPid, String definitions)
            throws Exception {
        List<String> ids = BenchSupport.sourceIds(sources);
        String extra = "batchSize: " + batch + "\n";
        try (BusEnvironment env = new BusEnvironment(ids, extra);
             MemberProcesses members = new MemberProcesses(env.configFile, 2)) {
            env.definitions(definitions);
            for (String id : ids) {
                BenchSupport.preload(env.sources.get(id), id, warmUpOrders + orders);
            }
            // both members up before anything moves: the figure is the bus's, not its start-up's
            env.writeConfig(List.of(), extra);
            members.start(0);
            members.start(1);
            env.writeConfig(ids, extra);
            String sum = "SELECT COALESCE(SUM(events_applied), 0) FROM bam_checkpoints WHERE session_id IN ('"
                    + String.join("', '", ids) + "')";
            long[] pids = {members.pid(0), members.pid(1)};
            return window(() -> env.count(env.destination, sum), (long) warmUpOrders * BenchSupport.EVENTS_PER_ORDER * sources,
                    (long) (warmUpOrders + orders) * BenchSupport.EVENTS_PER_ORDER * sources, pids, serverPid, "the bus");
        }
    }

    /**
     * Polls {@code applied} until it reaches {@code total}; the measured window starts when it passes
     * {@code warm}. CPU of {@code pids} and of {@code serverPid} over the window.
     */
    static Result window(LongSupplier applied, long warm, long total, long[] pids, long serverPid, String what) throws Exception {
        long deadline = System.nanoTime() + 900_000_000_000L;
        long startNanos = 0;
        long startCount = 0;
        double startCpu = 0;
        double startServer = 0;
        while (System.nanoTime() < deadline) {
            long now = applied.getAsLong();
            if (startNanos == 0 && now >= warm) {
                startNanos = System.nanoTime();
                startCount = now;
                startCpu = cpu(pids);
                startServer = serverPid > 0 ? ProcessFigures.cpuSeconds(serverPid) : 0;
            }
            if (now >= total) {
                double seconds = (System.nanoTime() - startNanos) / 1e9;
                return new Result(now - startCount, seconds, cpu(pids) - startCpu,
                        serverPid > 0 ? ProcessFigures.cpuSeconds(serverPid) - startServer : Double.NaN);
            }
            BenchSupport.sleep(25); // polling the destination, which is being written to: not too often
        }
        throw new IllegalStateException(what + " did not move " + total + " events in 15 minutes");
    }

    private static double cpu(long[] pids) throws Exception {
        double seconds = 0;
        for (long pid : pids) {
            seconds += ProcessFigures.cpuSeconds(pid);
        }
        return seconds;
    }
}
