package io.bambus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.MemberProcesses;
import io.bambus.grid.testing.Producer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DrillProcessIT {

    private static final String SHOP = "shop";
    private static final String CRM = "crm";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);



    @Test
    @Timeout(400)
    void theDrillPassesOnAHealthyClusterAndFailsWhenTheDestinationLostARow() throws Exception {
        // members take the drill's halt or stop only with drills: true (DrillGateInProcessTest shows the refusal)
        try (BusEnvironment env = new BusEnvironment(List.of(SHOP, CRM), "drills: true\n");
             MemberProcesses members = new MemberProcesses(env.configFile, 2);
             Producer shop = new Producer(SHOP, env.sources.get(SHOP), 5);
             Producer crm = new Producer(CRM, env.sources.get(CRM), 5)) {
            members.start(0);
            members.start(1);
            Await.until("each member to run one session", TIMEOUT, () -> members.owner(SHOP) != null && members.owner(CRM) != null
                    && !members.owner(SHOP).equals(members.owner(CRM)));
            // whichever session the balancer gave the second member
            String moving = members.address(1).equals(members.owner(SHOP)) ? SHOP : CRM;
            String staying = moving.equals(SHOP) ? CRM : SHOP;
            Await.until("events to flow", TIMEOUT, () -> env.applied(moving) > 500 && env.applied(staying) > 500);
            String[] common = {"--config", env.configFile.toString(), "--cluster", members.cluster(), "--members",
                    members.clientAddress(0) + "," + members.clientAddress(1)};

            CliRun killed = CliRun.of(List.of(common), "drill", "--session", moving, "--kill");
            System.out.println("drill --kill:\n" + killed.out() + killed.err());
            assertEquals(0, killed.exit(), killed.out() + killed.err());
            assertTrue(killed.out().contains("halted member " + members.address(1)), killed.out());
            assertTrue(killed.out().contains("taken over by " + members.address(0)), killed.out());
            assertTrue(killed.out().matches("(?s).*first commit after \\d+ ms.*"), killed.out());
            assertTrue(killed.out().trim().endsWith("PASS"), killed.out());

            members.start(1);
            Await.until("the restarted member to take a session back", TIMEOUT,
                    () -> members.address(1).equals(members.owner(SHOP)) || members.address(1).equals(members.owner(CRM)));
            // an order that is complete and gets no more events disappears behind the bus's back
            String victim = env.query(env.destination, "SELECT COUNT(*) FROM bam_Order_completed WHERE ActivityID = '"
                    + staying + "-3'") == 1 ? staying + "-3" : null;
            assertEquals(staying + "-3", victim);
            try (var connection = env.destination.getConnection(); var statement = connection.createStatement()) {
                statement.executeUpdate("DELETE FROM bam_Order_completed WHERE ActivityID = '" + victim + "'");
            }
            CliRun stopped = CliRun.of(List.of(common), "drill", "--session", staying, "--stop");
            System.out.println("drill --stop after a lost row:\n" + stopped.out() + stopped.err());
            assertEquals(1, stopped.exit(), stopped.out() + stopped.err());
            assertTrue(stopped.out().contains("lost: Order '" + victim + "': missing from the destination"), stopped.out());
            assertTrue(stopped.out().trim().endsWith("FAIL"), stopped.out());
            shop.stop();
            crm.stop();
        }
    }

}
