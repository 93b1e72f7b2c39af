package io.bambus.grid.testing;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.bambus.grid.session.SessionRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Members as separate processes, started and stopped by scripts/start-member.sh and
 * scripts/stop-member.sh exactly as an operator would, on loopback ports of their own; and a
 * Hazelcast client to read the session records. Close it to kill whatever still runs.
 */
public final class MemberProcesses implements AutoCloseable {

    private final Path runDir;
    private final Path busConfig;
    private final String cluster = "bambus-it-" + ProcessHandle.current().pid();
    private final int basePort = 7100 + (int) (ProcessHandle.current().pid() % 100) * 5;
    private final int maxMembers;
    private String heap = "384m";
    private final List<String> started = new ArrayList<>();
    private HazelcastInstance client;

    public MemberProcesses(Path busConfig, int maxMembers) throws IOException {
        this.busConfig = busConfig;
        this.maxMembers = maxMembers;
        this.runDir = Files.createTempDirectory("bambus-run");
    }

    /** The -Xmx of members started from now on. */
    public String cluster() {
        return cluster;
    }

    public MemberProcesses heap(String size) {
        this.heap = size;
        return this;
    }

    /** The process id of a running member (from its pid file). */
    public long pid(int index) throws IOException {
        return Long.parseLong(Files.readString(runDir.resolve("m" + index + ".pid")).trim());
    }

    public int port(int index) {
        return basePort + index;
    }

    public String address(int index) {
        return "127.0.0.1:" + port(index);
    }

    private String members() {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < maxMembers; i++) {
            list.append(i == 0 ? "" : ",").append("127.0.0.1:").append(port(i));
        }
        return list.toString();
    }

    /** Runs start-member.sh for member {@code index}; returns when the bus has started there. */
    public void start(int index) throws Exception {
        String name = "m" + index;
        run(List.of(script("start-member.sh"), "--name", name, "--port", String.valueOf(port(index)), "--members", members(),
                "--cluster", cluster, "--config", busConfig.toString(), "--heap", heap), 90);
        started.add(name);
    }

    /** Graceful stop through stop-member.sh (SIGTERM). */
    public void stop(int index) throws Exception {
        run(List.of(script("stop-member.sh"), "m" + index), 120);
    }

    /** kill -9 of the member's process. */
    public void kill(int index) throws Exception {
        long pid = pid(index);
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        ProcessHandle.of(pid).ifPresent(handle -> handle.onExit().join());
    }

    public IMap<String, SessionRecord> sessions() {
        if (client == null) {
            ClientConfig config = new ClientConfig();
            config.setClusterName(cluster);
            config.setProperty("hazelcast.logging.type", "log4j2");
            for (int i = 0; i < maxMembers; i++) {
                config.getNetworkConfig().addAddress("127.0.0.1:" + port(i));
            }
            config.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(60_000);
            client = HazelcastClient.newHazelcastClient(config);
        }
        return client.getMap("eventbus.sessions");
    }

    /** Partitions whose primary replica the member at {@code address} holds, as the client sees the table. */
    public int partitionsOwnedBy(String address) {
        sessions();
        int owned = 0;
        for (com.hazelcast.partition.Partition partition : client.getPartitionService().getPartitions()) {
            com.hazelcast.cluster.Member owner = partition.getOwner();
            if (owner != null && address.equals(io.bambus.grid.status.Addresses.of(owner))) {
                owned++;
            }
        }
        return owned;
    }

    /** The member address running a session, by its record. */
    public String owner(String sessionId) {
        SessionRecord record = sessions().get(sessionId);
        return record == null ? null : record.ownerAddress();
    }

    public Path log(int index) {
        return runDir.resolve("m" + index + ".log");
    }

    private static String script(String name) {
        return ClusterFixture.repoRoot().resolve("scripts").resolve(name).toString();
    }

    private void run(List<String> command, int timeoutSeconds) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("BAMBUS_RUN_DIR", runDir.toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(command + " did not finish in " + timeoutSeconds + " s:\n" + output);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(command + " failed (" + process.exitValue() + "):\n" + output);
        }
    }

    @Override
    public void close() {
        if (client != null) {
            client.shutdown();
        }
        for (String name : started) {
            try {
                Path pid = runDir.resolve(name + ".pid");
                if (Files.exists(pid)) {
                    ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).ifPresent(ProcessHandle::destroyForcibly);
                }
            } catch (IOException | RuntimeException ignored) {
                // gone already
            }
        }
    }
}
