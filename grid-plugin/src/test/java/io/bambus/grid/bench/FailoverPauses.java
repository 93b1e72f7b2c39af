package io.bambus.grid.bench;

import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.CommitWatcher;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.MemberProcesses;
import io.bambus.grid.testing.Producer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Failover pauses with member processes started by the scripts, producers writing throughout:
 * kill -9 of the member running a session → that session's first commit on the survivor; join →
 * first commit of the moved session on the new member (timed from the start script's return, the
 * script's own time printed apart); graceful stop → first commit elsewhere. Ends with the
 * exactly-once check. Argument: [repetitions] (default 10).
 */
public final class FailoverPauses {

    private static final String ORDERS = "orders";
    private static final String BILLING = "billing";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    public static void main(String[] args) throws Exception {
        int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<Long> kills = new ArrayList<>();
        List<Long> joins = new ArrayList<>();
        List<Long> memberStarts = new ArrayList<>();
        List<Long> graceful = new ArrayList<>();
        List<Long> gracefulGaps = new ArrayList<>();
        List<Long> killGaps = new ArrayList<>();
        try (BusEnvironment env = new BusEnvironment(List.of(ORDERS, BILLING), null);
             MemberProcesses members = new MemberProcesses(env.configFile, 2);
             Producer orders = new Producer(ORDERS, env.sources.get(ORDERS), 2);
             Producer billing = new Producer(BILLING, env.sources.get(BILLING), 2);
             CommitWatcher ordersWatcher = new CommitWatcher(env.destination, ORDERS);
             CommitWatcher billingWatcher = new CommitWatcher(env.destination, BILLING)) {
            env.definitions(BusEnvironment.PLAIN_DEFINITIONS); // the rates of record: no aggregation kept
            Map<String, CommitWatcher> watchers = Map.of(ORDERS, ordersWatcher, BILLING, billingWatcher);
            members.start(0);
            join(members, watchers, 1, memberStarts, joins);
            for (int rep = 0; rep < repetitions; rep++) {
                // kill -9 the member running orders; the other one takes it over
                CommitWatcher staying = ordersWatcher;
                int victim = index(members, members.owner(ORDERS));
                long epoch = staying.epoch();
                long killed = System.nanoTime();
                members.kill(victim);
                kills.add((staying.awaitCommitAbove(epoch, TIMEOUT) - killed) / 1_000_000);
                killGaps.add(staying.handoverGapMillis());

                join(members, watchers, victim, memberStarts, joins);

                // graceful stop of the member running orders
                int stopping = index(members, members.owner(ORDERS));
                long stayingEpoch = staying.epoch();
                long stopped = System.nanoTime();
                members.stop(stopping);
                graceful.add((staying.awaitCommitAbove(stayingEpoch, TIMEOUT) - stopped) / 1_000_000);
                gracefulGaps.add(staying.handoverGapMillis());

                join(members, watchers, stopping, memberStarts, joins);
                System.out.printf("FAILOVER repetition %d: kill -9 %d ms (gap %d), graceful %d ms (gap %d), joins %d / %d ms%n",
                        rep + 1, kills.get(kills.size() - 1), killGaps.get(killGaps.size() - 1), graceful.get(graceful.size() - 1),
                        gracefulGaps.get(gracefulGaps.size() - 1), joins.get(joins.size() - 2), joins.get(joins.size() - 1));
            }
            DeliveryCheck.assertExactlyOnce(env, ORDERS, orders.stop(), TIMEOUT);
            DeliveryCheck.assertExactlyOnce(env, BILLING, billing.stop(), TIMEOUT);
        }
        System.out.println();
        System.out.println("Failover pauses (ms), 2 member processes on loopback, producers writing throughout:");
        System.out.println("(from the destination's checkpoint of record, polled every 5 ms)");
        System.out.println("  kill -9 -> first commit on the survivor:               " + BenchSupport.summary(kills));
        System.out.println("  kill -9: last commit before -> first commit after:     " + BenchSupport.summary(killGaps));
        System.out.println("  graceful stop -> first commit elsewhere:               " + BenchSupport.summary(graceful));
        System.out.println("  graceful: last commit on the old -> first on the new:  " + BenchSupport.summary(gracefulGaps));
        System.out.println("  join -> first commit on the new member:                " + BenchSupport.summary(joins));
        System.out.println("  (start-member.sh itself, JVM start to bus started: " + BenchSupport.summary(memberStarts) + ")");
        System.out.println("  delivery check after all of it: every event exactly once, in order");
    }

    /** Starts member {@code index} as the second member: one session moves to it, whichever the balancer picks. */
    private static void join(MemberProcesses members, Map<String, CommitWatcher> watchers, int index, List<Long> starts,
                             List<Long> joins) throws Exception {
        Map<String, Long> epochs = new HashMap<>();
        watchers.forEach((id, watcher) -> epochs.put(id, watcher.epoch()));
        long start = System.nanoTime();
        members.start(index);
        starts.add(millisSince(start));
        String joiner = members.address(index);
        long joined = System.nanoTime();
        Await.until("a session to move to the new member", TIMEOUT,
                () -> watchers.keySet().stream().anyMatch(id -> joiner.equals(members.owner(id))));
        String moved = watchers.keySet().stream().filter(id -> joiner.equals(members.owner(id))).findFirst().orElseThrow();
        joins.add(Math.max(0, (watchers.get(moved).awaitCommitAbove(epochs.get(moved), TIMEOUT) - joined) / 1_000_000));
    }

    private static int index(MemberProcesses members, String address) {
        return members.address(0).equals(address) ? 0 : 1;
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
