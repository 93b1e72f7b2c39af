package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ChaosCheck;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.MemberProcesses;
import io.bambus.grid.testing.Producer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A–D with member processes started by the scripts, the issue's plain source names, and the first
 * member killed with kill -9 mid-stream; then a rejoin and a graceful stop. Prints the pauses it measured.
 */
class FailoverProcessIT {

    private static final String ORDERS = "orders";
    private static final String BILLING = "billing";
    private static final List<String> IDS = List.of(ORDERS, BILLING);
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    @Timeout(420)
    void killNineMidStreamLosesAndDuplicatesNothing() throws Exception {
        try (BusEnvironment env = new BusEnvironment(IDS, null);
             MemberProcesses members = new MemberProcesses(env.configFile, 2);
             Producer orders = new Producer(ORDERS, env.sources.get(ORDERS), 2);
             Producer billing = new Producer(BILLING, env.sources.get(BILLING), 2)) {
            String m0 = members.address(0);
            String m1 = members.address(1);

            // A: member 0 runs both sessions
            members.start(0);
            awaitOwner(members, ORDERS, m0);
            awaitOwner(members, BILLING, m0);
            Await.until("events to flow", TIMEOUT, () -> env.applied(ORDERS) > 0 && env.applied(BILLING) > 0);

            // B: member 1 joins and takes one session over, whichever the balancer picks
            long joinStart = System.nanoTime();
            members.start(1);
            long joinDone = System.nanoTime();
            Await.until("member 1 to run one session", TIMEOUT, () -> IDS.stream().filter(id -> m1.equals(members.owner(id)))
                    .count() == 1, () -> "(owners " + owners(members) + ")");
            String moved = IDS.stream().filter(id -> m1.equals(members.owner(id))).findFirst().orElseThrow();
            String stayed = moved.equals(ORDERS) ? BILLING : ORDERS;
            long joinMoved = env.applied(moved);
            Await.until("member 1 to commit " + moved, TIMEOUT, () -> env.applied(moved) > joinMoved);
            long joinToCommit = millisSince(joinDone);
            assertEquals(m0, members.owner(stayed), "the join moves only the one session");

            // C: kill -9 member 0 mid-stream; D: member 1 runs both
            long before = env.applied(stayed);
            long killed = System.nanoTime();
            members.kill(0);
            Await.until("member 1 to commit " + stayed + " after the kill", TIMEOUT,
                    () -> env.applied(stayed) > before && m1.equals(members.owner(stayed)),
                    () -> "(owner " + members.owner(stayed) + ")");
            long killToCommit = millisSince(killed);

            // a rejoin takes one session back; then a graceful stop of member 1 hands the other over
            members.start(0);
            Await.until("the rejoined member to run one session", TIMEOUT,
                    () -> IDS.stream().filter(id -> m0.equals(members.owner(id))).count() == 1, () -> "(owners " + owners(members) + ")");
            String handed = IDS.stream().filter(id -> m1.equals(members.owner(id))).findFirst().orElseThrow();
            long beforeStop = env.applied(handed);
            long stopping = System.nanoTime();
            members.stop(1);
            long stopped = System.nanoTime();
            Await.until("member 0 to commit " + handed + " after the graceful stop", TIMEOUT,
                    () -> m0.equals(members.owner(handed)) && env.applied(handed) > beforeStop);
            long stopToCommit = millisSince(stopping);

            DeliveryCheck.assertExactlyOnce(env, ORDERS, orders.stop(), TIMEOUT);
            DeliveryCheck.assertExactlyOnce(env, BILLING, billing.stop(), TIMEOUT);
            System.out.println(ChaosCheck.checkAggregation(env)); // kept in the batches' transactions through the kill
            System.out.printf("MEASURED join: member start %d ms, then first commit on the new member %d ms later%n",
                    (joinDone - joinStart) / 1_000_000, joinToCommit);
            System.out.printf("MEASURED kill -9 -> first commit on the survivor: %d ms%n", killToCommit);
            System.out.printf("MEASURED graceful stop: stop-member.sh took %d ms; stop -> first commit elsewhere %d ms%n",
                    (stopped - stopping) / 1_000_000, stopToCommit);
        }
    }

    private static String owners(MemberProcesses members) {
        return IDS.stream().map(id -> id + "@" + members.owner(id)).toList().toString();
    }

    private static void awaitOwner(MemberProcesses members, String session, String address) {
        Await.until(session + " to run on " + address, TIMEOUT, () -> address.equals(members.owner(session)),
                () -> "(owner " + members.owner(session) + ")");
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
