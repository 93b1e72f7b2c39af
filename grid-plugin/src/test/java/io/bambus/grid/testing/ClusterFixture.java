package io.bambus.grid.testing;

import com.hazelcast.config.Config;
import com.hazelcast.config.YamlConfigBuilder;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.bambus.grid.BusMember;
import io.bambus.grid.runner.SessionRunner;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one cluster fixture: real members in this JVM, on loopback, each loading the shipped
 * scripts/config/hazelcast.yaml with its own member port and client port (member port +
 * {@value #CLIENT_PORT_OFFSET}), all on one address (127.0.0.1 unless given). Close it to shut them all down.
 */
public final class ClusterFixture implements AutoCloseable {

    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static final int MAX_MEMBERS = 5;
    /** As scripts/start-member.sh's default: the client port is the member port + 100. */
    public static final int CLIENT_PORT_OFFSET = 100;

    private final String clusterName = "bambus-test-" + ProcessHandle.current().pid() + "-" + CLUSTERS.incrementAndGet();
    private final int basePort;
    private final Path busConfig;
    private final String host;
    private final List<HazelcastInstance> members = new ArrayList<>();

    public ClusterFixture(Path busConfig) {
        this(busConfig, "127.0.0.1");
    }

    /** Members bound to {@code host} (a loopback address such as 127.0.0.2: clients then connect from another one). */
    public ClusterFixture(Path busConfig, String host) {
        this.busConfig = busConfig;
        this.host = host;
        // spread by process and cluster, and never onto a port another server holds
        this.basePort = FreePorts.block(host, 6100 + (int) (ProcessHandle.current().pid() % 50) * 20 + (CLUSTERS.get() % 4) * 5,
                MAX_MEMBERS, CLIENT_PORT_OFFSET, 6100, 7100);
    }

    public String clusterName() {
        return clusterName;
    }

    /** The member address of member {@code index}: how the bus names it (status, session owners, drills). */
    public String address(int index) {
        return host + ":" + (basePort + index);
    }

    /** Where clients (the UI, the CLI, tests) connect to member {@code index}: its client port. */
    public String clientAddress(int index) {
        return host + ":" + (basePort + index + CLIENT_PORT_OFFSET);
    }

    public static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !dir.resolve("scripts/config/hazelcast.yaml").toFile().exists()) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("scripts/config/hazelcast.yaml not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** Starts member number {@code index} (0-based; its port is fixed by the index). */
    public HazelcastInstance start(int index) {
        return start(index, busConfig);
    }

    /** Starts member number {@code index} with a bus file of its own (members whose files differ). */
    public HazelcastInstance start(int index, Path memberBusConfig) {
        Properties vars = new Properties();
        vars.setProperty("bambus.cluster", clusterName);
        vars.setProperty("bambus.host", host);
        vars.setProperty("bambus.port", String.valueOf(basePort + index));
        vars.setProperty("bambus.client.port", String.valueOf(basePort + index + CLIENT_PORT_OFFSET));
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < MAX_MEMBERS; i++) {
            list.append(i == 0 ? "" : ",").append(address(i));
        }
        vars.setProperty("bambus.members", list.toString());
        vars.setProperty("bambus.config", memberBusConfig.toString());
        Config config;
        try (InputStream in = new FileInputStream(repoRoot().resolve("scripts/config/hazelcast.yaml").toFile())) {
            config = new YamlConfigBuilder(in).setProperties(vars).build();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        config.setInstanceName(clusterName + "-m" + index);
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        members.add(member);
        return member;
    }

    public static BusMember bus(HazelcastInstance member) {
        return BusMember.of(member);
    }

    /** Session ids this member runs, its runners not stopping. */
    public static Set<String> running(HazelcastInstance member) {
        Set<String> ids = new TreeSet<>();
        BusMember bus = BusMember.of(member);
        if (bus != null) {
            for (SessionRunner runner : bus.runners()) {
                if (!runner.stopping() && !runner.ended() && runner.lastCheckpoint() != null) {
                    ids.add(runner.sessionId());
                }
            }
        }
        return ids;
    }

    @Override
    public void close() {
        for (HazelcastInstance member : members) {
            try {
                member.getLifecycleService().terminate();
            } catch (RuntimeException ignored) {
                // already down
            }
        }
    }
}
