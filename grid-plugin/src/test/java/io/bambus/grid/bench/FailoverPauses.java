package io.bambus.grid.bench;

import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.MemberProcesses;
import io.bambus.grid.testing.Producer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Failover pauses with member processes started by the scripts, producers writing throughout:
 * kill -9 of the member running a session → that session's first commit on the survivor; join →
 * first commit of the moved session on the new member (timed from the start script's return, the
 * script's own time printed apart); graceful stop → first commit elsewhere. Ends with the
 * exactly-once check. Argument: [repetitions] (default 10).
 */
public final class FailoverPauses {

    private static final String MOVING = ClusterFixture.idInPartitions("shop", 0, 120);
    private static final String STAYING = ClusterFixture.idInPartitions("crm", 150, 270);
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    public static void main(String[] args) throws Exception {
        int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<Long> kills = new ArrayList<>();
        List<Long> joins = new ArrayList<>();
        List<Long> memberStarts = new ArrayList<>();
        List<Long> graceful = new ArrayList<>();
        try (BusEnvironment env = new BusEnvironment(List.of(MOVING, STAYING), null);
             MemberProcesses members = new MemberProcesses(env.configFile, 2);
             Producer shop = new Producer(MOVING, env.sources.get(MOVING), 2);
             Producer crm = new Producer(STAYING, env.sources.get(STAYING), 2)) {
            members.start(0);
            join(env, members, 1, memberStarts, joins);
            for (int rep = 0; rep < repetitions; rep++) {
                // kill -9 the member running STAYING; the other one takes it over
                int victim = index(members, members.owner(STAYING));
                long before = env.applied(STAYING);
                long killed = System.nanoTime();
                members.kill(victim);
                String survivor = members.address(1 - victim);
                Await.until("the survivor to commit " + STAYING, TIMEOUT,
                        () -> survivor.equals(members.owner(STAYING)) && env.applied(STAYING) > before);
                kills.add(millisSince(killed));

                join(env, members, victim, memberStarts, joins);

                // graceful stop of the member running STAYING
                int stopping = index(members, members.owner(STAYING));
                String other = members.address(1 - stopping);
                long beforeStop = env.applied(STAYING);
                long stopped = System.nanoTime();
                members.stop(stopping);
                Await.until("the other member to commit " + STAYING + " after the graceful stop", TIMEOUT,
                        () -> other.equals(members.owner(STAYING)) && env.applied(STAYING) > beforeStop);
                graceful.add(millisSince(stopped));

                join(env, members, stopping, memberStarts, joins);
                System.out.printf("FAILOVER repetition %d: kill -9 %d ms, graceful %d ms, joins %d / %d ms%n", rep + 1,
                        kills.get(kills.size() - 1), graceful.get(graceful.size() - 1), joins.get(joins.size() - 2),
                        joins.get(joins.size() - 1));
            }
            DeliveryCheck.assertExactlyOnce(env, MOVING, shop.stop(), TIMEOUT);
            DeliveryCheck.assertExactlyOnce(env, STAYING, crm.stop(), TIMEOUT);
        }
        System.out.println();
        System.out.println("Failover pauses (ms), 2 member processes on loopback, producers writing throughout:");
        System.out.println("  kill -9 -> first commit on the survivor:      " + BenchSupport.summary(kills));
        System.out.println("  graceful stop -> first commit elsewhere:      " + BenchSupport.summary(graceful));
        System.out.println("  join -> first commit on the new member:       " + BenchSupport.summary(joins));
        System.out.println("  (start-member.sh itself, JVM start to bus started: " + BenchSupport.summary(memberStarts) + ")");
        System.out.println("  delivery check after all of it: every event exactly once, in order");
    }

    /** Starts member {@code index} as the second member: MOVING moves to it. */
    private static void join(BusEnvironment env, MemberProcesses members, int index, List<Long> starts, List<Long> joins)
            throws Exception {
        long start = System.nanoTime();
        members.start(index);
        starts.add(millisSince(start));
        String joiner = members.address(index);
        long joined = System.nanoTime();
        long before = env.applied(MOVING);
        Await.until(MOVING + " to commit on the new member", TIMEOUT,
                () -> joiner.equals(members.owner(MOVING)) && env.applied(MOVING) > before);
        joins.add(millisSince(joined));
        Await.until("the join's migration to finish", TIMEOUT,
                () -> members.partitionsOwnedBy(joiner) >= ClusterFixture.PARTITIONS / 2);
    }

    private static int index(MemberProcesses members, String address) {
        return members.address(0).equals(address) ? 0 : 1;
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
