package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.impl.clientside.HazelcastClientProxy;
import com.hazelcast.client.impl.protocol.codec.MCShutdownMemberCodec;
import com.hazelcast.client.impl.spi.impl.ClientInvocation;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.bambus.grid.ops.BusOperations;
import io.bambus.grid.security.SerializationAllowlist;
import io.bambus.grid.session.SessionCommand;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.session.SessionState;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.Producer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.example.untrusted.UntrustedTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a plain Hazelcast client that knows the cluster name can no longer do to a member started from
 * the shipped hazelcast.yaml (open-source Hazelcast has no authentication: the rest is the firewall's).
 */
class MemberHardeningInProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    @Timeout(120)
    void theMemberListensOnItsOwnAddressOnlyClientsGetTheirOwnPortAndManagementTasksComeOnlyFromItsHost() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("a"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile, "127.0.0.2")) {
            HazelcastInstance member = cluster.start(0);
            int memberPort = port(cluster.address(0));
            int clientPort = port(cluster.clientAddress(0));
            assertTrue(accepts("127.0.0.2", memberPort), "the member port listens on the member's address");
            assertTrue(accepts("127.0.0.2", clientPort), "the client port listens on the member's address");
            for (String other : List.of("127.0.0.1", "127.0.0.3")) {
                assertFalse(accepts(other, memberPort), "the member port is not open on " + other + " (no bind to all interfaces)");
                assertFalse(accepts(other, clientPort), "the client port is not open on " + other);
            }

            assertThrows(IllegalStateException.class, () -> client(cluster.clusterName(), cluster.address(0)).shutdown(),
                    "the member port speaks the member protocol only: a client cannot connect there");
            HazelcastInstance client = client(cluster.clusterName(), cluster.clientAddress(0));
            try {
                // Management Center's "shut this member down", sent by a plain client from 127.0.0.1
                ClientInvocation shutdown = new ClientInvocation(((HazelcastClientProxy) client).client,
                        MCShutdownMemberCodec.encodeRequest(), null, member.getCluster().getLocalMember().getUuid());
                Exception refused = assertThrows(Exception.class, () -> shutdown.invoke().get(30, TimeUnit.SECONDS));
                assertTrue(String.valueOf(refused.getMessage()).contains("ShutdownMemberMessageTask"), refused.toString());
                assertTrue(member.getLifecycleService().isRunning(), "the member still runs");
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    @Timeout(150)
    void classesOutsideTheAllowlistAreRefusedWhileTheBusKeepsWorking() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("a"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile);
             Producer producer = new Producer("a", env.sources.get("a"), 5)) {
            HazelcastInstance member = cluster.start(0);
            Await.until("session a to move events (its Jet job, records and entry processors pass the filter)", TIMEOUT,
                    () -> env.applied("a") > 0);

            HazelcastInstance plain = client(cluster.clusterName(), cluster.clientAddress(0));
            HazelcastInstance operator = HazelcastClient.newHazelcastClient(
                    SerializationAllowlist.apply(clientConfig(cluster.clusterName(), cluster.clientAddress(0))));
            try {
                IMap<Object, Object> sessions = plain.getMap("eventbus.sessions");
                RuntimeException refused = assertThrows(RuntimeException.class, () -> sessions.executeOnKey("a", new UntrustedTask()));
                assertTrue(causes(refused).contains("Resolving class " + UntrustedTask.class.getName() + " is not allowed"),
                        causes(refused));
                assertTrue(sessions.get("a") instanceof SessionRecord, "the record was not touched");
                // records travel through the bus's own serializers on members and clients alike (members check it at start)
                for (HazelcastInstance process : List.of(member, operator, plain)) {
                    assertTrue(process instanceof com.hazelcast.spi.impl.SerializationServiceSupport, "cannot tell");
                    assertEquals(null, io.bambus.grid.session.RecordSerializers.problem(process));
                }
                JavaSerializationFilterConfig shipped = member.getConfig().getSerializationConfig().getJavaSerializationFilterConfig();
                assertFalse(shipped.isDefaultsDisabled(), "Hazelcast's default allowlist stays on");
                assertEquals(Set.copyOf(SerializationAllowlist.PREFIXES), shipped.getWhitelist().getPrefixes(),
                        "the shipped hazelcast.yaml and the clients' allowlist are the same");

                // the bus's own work, from a client as the UI and the CLI do it: an entry processor, records, the timeline
                BusOperations ops = new BusOperations(operator, "eventbus.sessions");
                assertEquals(SessionState.PAUSED, ops.command("a", SessionCommand.PAUSE, "test:olga").state());
                assertEquals(SessionState.RUNNING, ops.command("a", SessionCommand.RESUME, "test:olga").state());
                long before = env.applied("a");
                Await.until("session a to move events again", TIMEOUT, () -> env.applied("a") > before);

                // a gadget parked in a map is stored as bytes; whoever reads it with the allowlist refuses it
                plain.getMap("scratch").put("gadget", new UntrustedTask());
                RuntimeException unread = assertThrows(RuntimeException.class, () -> operator.getMap("scratch").get("gadget"));
                assertTrue(causes(unread).contains("is not allowed"), causes(unread));
            } finally {
                plain.shutdown();
                operator.shutdown();
                producer.stop();
            }
        }
    }

    @Test
    @Timeout(150)
    void aMemberRefusesTheDrillsHaltUnlessItsBusConfigurationAllowsDrills() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("a"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            cluster.start(0);
            HazelcastInstance target = cluster.start(1);
            HazelcastInstance client = HazelcastClient.newHazelcastClient(
                    SerializationAllowlist.apply(clientConfig(cluster.clusterName(), cluster.clientAddress(0))));
            try {
                Await.until("two members in the client's view", TIMEOUT, () -> client.getCluster().getMembers().size() == 2);
                BusOperations ops = new BusOperations(client, "eventbus.sessions");
                BusOperations.CommandRefusedException refused = assertThrows(BusOperations.CommandRefusedException.class,
                        () -> ops.stopMember(cluster.address(1), false, "test:olga"));
                assertTrue(refused.getMessage().contains("refuses failover drills: set 'drills: true' in its bus configuration ("
                        + env.configFile), refused.getMessage());
                assertTrue(target.getLifecycleService().isRunning(), "the member did not stop");

                env.writeConfig(env.sourceIds(), "drills: true\n");
                Await.until("the member to reload drills: true", TIMEOUT, () -> BusMember.of(target) != null
                        && BusMember.of(target).config().drills());
                ops.stopMember(cluster.address(1), false, "test:olga");
                Await.until("the member to shut down for the drill", TIMEOUT, () -> !target.getLifecycleService().isRunning());
            } finally {
                client.shutdown();
            }
        }
    }

    private static ClientConfig clientConfig(String cluster, String address) {
        ClientConfig config = new ClientConfig();
        config.setClusterName(cluster);
        config.setProperty("hazelcast.logging.type", "log4j2");
        config.getNetworkConfig().addAddress(address);
        config.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(5_000);
        return config;
    }

    /** A client without the allowlist: what an attacker would write. */
    private static HazelcastInstance client(String cluster, String address) {
        return HazelcastClient.newHazelcastClient(clientConfig(cluster, address));
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    private static boolean accepts(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String causes(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            text.append(t).append(" / ");
        }
        return text.toString();
    }
}
