package io.bambus.grid.bench;

import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.MemberProcesses;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * End-to-end latency at a fixed load ({@link FixedLoad}): source commit of an order's last
 * transaction (Update+End) → the order's row visible in the destination's completed table, 2 member
 * processes, 2 sources. Arguments: [ordersPerSecondPerSource] (default 625 = 2,500 events/s per
 * source, 5,000 in all) [seconds] (default 60).
 */
public final class Latency {

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 625;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        List<Long> sorted = bus(rate, seconds);
        System.out.println();
        System.out.printf("Latency, source commit -> visible in the destination, %d orders/s per source (%,d events/s in all),"
                + " 2 sources, 2 members, %d s after 10 s warm-up:%n", rate, rate * 4 * 2, seconds);
        System.out.println("  " + FixedLoad.summary(sorted));
    }

    /** The bus's latencies (microseconds, sorted) at {@code rate} orders/s on each of 2 sources. */
    static List<Long> bus(int rate, int seconds) throws Exception {
        List<String> ids = List.of("east", "west");
        try (BusEnvironment env = new BusEnvironment(ids, "pollIntervalMillis: 5\n");
             MemberProcesses members = new MemberProcesses(env.configFile, 2)) {
            env.definitions(BusEnvironment.PLAIN_DEFINITIONS); // the rates of record: no aggregation kept
            members.start(0);
            members.start(1);
            Await.until("both sessions to run", Duration.ofSeconds(60),
                    () -> members.owner("east") != null && members.owner("west") != null);
            return measure(Map.copyOf(env.sources), env.destination, rate, seconds);
        }
    }

    /** Runs the fixed load for 10 s of warm-up and {@code seconds} measured; latencies in microseconds, sorted. */
    static List<Long> measure(Map<String, ? extends DataSource> sources, DataSource destination, int rate, int seconds)
            throws Exception {
        try (FixedLoad load = new FixedLoad(Map.copyOf(sources), destination, rate)) {
            BenchSupport.sleep(10_000); // warm-up: the load runs, latencies not counted
            load.startMeasuring();
            BenchSupport.sleep(seconds * 1_000L); // the measured period of the fixed load
            load.endMeasuring();
            load.stopProducing();
            long unseen = load.awaitSeen(60_000);
            if (unseen > 0) {
                // a pipeline that cannot keep up with the load (a backlog that grows) says so
                System.out.printf("LATENCY %d orders of the measured period were not seen in the destination 60 s after the load"
                        + " stopped, e.g. %s%n", unseen, load.unseenSample(3));
            }
            return load.latencies();
        }
    }
}
