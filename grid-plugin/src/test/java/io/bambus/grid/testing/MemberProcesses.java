package io.bambus.grid.testing;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.bambus.grid.security.SerializationAllowlist;
import io.bambus.grid.session.SessionRecord;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Members as separate processes, started and stopped by scripts/start-member.sh and
 * scripts/stop-member.sh exactly as an operator would, on loopback ports of their own; and a
 * Hazelcast client to read the session records. Close it to kill whatever still runs.
 *
 * <p>{@link #onOwnAddresses} puts member i on 127.0.0.(11+i) instead of 127.0.0.1, so that
 * {@link #cut} can partition it from the others with iptables rules by address (database
 * connections stay on 127.0.0.1 and are not cut); {@link #pause} and {@link #resume} SIGSTOP and
 * SIGCONT a member process. Close it to heal every cut, wake every paused member and kill them all.
 */
public final class MemberProcesses implements AutoCloseable {

    private final Path runDir;
    private final Path busConfig;
    private final String cluster = "bambus-it-" + ProcessHandle.current().pid();
    /** Spread by process, and never onto a port another server on 127.0.0.1 holds (see {@link FreePorts}). */
    private final int basePort = FreePorts.block("127.0.0.1", 7100 + (int) (ProcessHandle.current().pid() % 100) * 5, 5, 100,
            7100, 7600);
    private final int maxMembers;
    private String heap = "384m";
    private final List<String> startArgs = new ArrayList<>();
    private final Map<String, String> startEnvironment = new java.util.HashMap<>();
    private int startWaitSeconds = 60;
    private final List<String> started = new ArrayList<>();
    private final Set<Long> paused = new HashSet<>();
    private final Firewall firewall = new Firewall();
    private final LogTail[] logs;
    private boolean ownAddresses;
    private HazelcastInstance client;
    private final List<String> removals = new java.util.concurrent.CopyOnWriteArrayList<>();

    public MemberProcesses(Path busConfig, int maxMembers) throws IOException {
        this.busConfig = busConfig;
        this.maxMembers = maxMembers;
        this.runDir = Files.createTempDirectory("bambus-run");
        this.logs = new LogTail[maxMembers];
        for (int i = 0; i < maxMembers; i++) {
            logs[i] = new LogTail(log(i));
        }
    }

    /**
     * Members started from now on bind to, advertise and connect from 127.0.0.(11+i) only, so that
     * they can be {@link #cut}; fails at once where iptables cannot run. Call before the first start.
     */
    public MemberProcesses onOwnAddresses() {
        if (!started.isEmpty()) {
            throw new IllegalStateException("choose the addresses before the first member starts");
        }
        Firewall.requireIptables();
        this.ownAddresses = true;
        return this;
    }

    /** The Hazelcast cluster name the members join (one per test process). */
    public String cluster() {
        return cluster;
    }

    /** The -Xmx of members started from now on. */
    public MemberProcesses heap(String size) {
        this.heap = size;
        return this;
    }

    /** Members started from now on get these start-member.sh options and environment variables too. */
    public MemberProcesses startingWith(Map<String, String> environment, String... options) {
        startEnvironment.putAll(environment);
        startArgs.addAll(List.of(options));
        return this;
    }

    /** How long start-member.sh waits for a member started from now on to report the bus started. */
    public MemberProcesses startWait(int seconds) {
        this.startWaitSeconds = seconds;
        return this;
    }

    /** The process id of a running member (from its pid file). */
    public long pid(int index) throws IOException {
        return Long.parseLong(Files.readString(runDir.resolve("m" + index + ".pid")).trim());
    }

    public int port(int index) {
        return basePort + index;
    }

    /** The IP address member {@code index} binds to. */
    public String host(int index) {
        return ownAddresses ? "127.0.0." + (11 + index) : "127.0.0.1";
    }

    /** The member address of member {@code index}: how the bus names it (status, session owners, drills). */
    public String address(int index) {
        return host(index) + ":" + port(index);
    }

    /** Member {@code index}'s client port (start-member.sh's default: the member port + 100). */
    public int clientPort(int index) {
        return port(index) + ClusterFixture.CLIENT_PORT_OFFSET;
    }

    /** Where clients (the CLI, the UI, this class's own client) connect to member {@code index}. */
    public String clientAddress(int index) {
        return host(index) + ":" + clientPort(index);
    }

    /** Every member's client address, comma-separated, as {@code bambus --members} takes them. */
    public String clientAddresses() {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < maxMembers; i++) {
            list.append(i == 0 ? "" : ",").append(clientAddress(i));
        }
        return list.toString();
    }

    private String members() {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < maxMembers; i++) {
            list.append(i == 0 ? "" : ",").append(address(i));
        }
        return list.toString();
    }

    /** Runs start-member.sh for member {@code index}; returns when the bus has started there. */
    public void start(int index) throws Exception {
        String name = "m" + index;
        logs[index].reset();
        // listed first: a member that did not report started in time still runs, and close() stops it
        started.add(name);
        List<String> command = new ArrayList<>(List.of(script("start-member.sh"), "--name", name, "--host", host(index),
                "--port", String.valueOf(port(index)), "--client-port", String.valueOf(clientPort(index)), "--members", members(),
                "--cluster", cluster, "--config", busConfig.toString(), "--heap", heap, "--wait", String.valueOf(startWaitSeconds)));
        command.addAll(startArgs);
        run(command, startWaitSeconds + 30);
    }

    /** SIGSTOP: the member's process freezes (a long GC pause, a frozen VM) until {@link #resume}. */
    public void pause(int index) throws Exception {
        long pid = pid(index);
        signal("STOP", pid);
        synchronized (paused) {
            paused.add(pid);
        }
    }

    /** SIGCONT: a paused member wakes up and carries on where it stopped (a zombie, if the others removed it). */
    public void resume(int index) throws Exception {
        long pid = pid(index);
        signal("CONT", pid);
        synchronized (paused) {
            paused.remove(pid);
        }
    }

    /**
     * Cuts member {@code index} off from every other member's address, both directions, with
     * iptables (its database connections are not cut); {@link #heal} or {@link #close} undoes it.
     * Fails loudly when the machine cannot cut loopback traffic.
     */
    public void cut(int index) {
        if (!ownAddresses) {
            throw new IllegalStateException("a cut needs members on their own addresses (onOwnAddresses())");
        }
        try {
            for (int other = 0; other < maxMembers; other++) {
                if (other != index) {
                    firewall.drop(host(index), host(other));
                    firewall.drop(host(other), host(index));
                }
            }
        } catch (RuntimeException e) {
            firewall.clear();
            throw e;
        }
    }

    /** Removes every rule {@link #cut} added. */
    public void heal() {
        firewall.clear();
    }

    /**
     * The cluster size member {@code index} last logged (Hazelcast's "Members {size:N" line), or -1
     * before its first: how the tests see a split and a merge from every side, whatever a client
     * would be connected to.
     */
    public int clusterSize(int index) {
        return logs[index].lastClusterSize();
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
            ClientConfig config = SerializationAllowlist.apply(new ClientConfig());
            config.setClusterName(cluster);
            config.setProperty("hazelcast.logging.type", "log4j2");
            for (int i = 0; i < maxMembers; i++) {
                config.getNetworkConfig().addAddress(clientAddress(i));
            }
            config.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(60_000);
            client = HazelcastClient.newHazelcastClient(config);
            client.getCluster().addMembershipListener(new com.hazelcast.cluster.MembershipListener() {
                @Override
                public void memberAdded(com.hazelcast.cluster.MembershipEvent event) {
                }

                @Override
                public void memberRemoved(com.hazelcast.cluster.MembershipEvent event) {
                    removals.add(io.bambus.grid.status.Addresses.of(event.getMember()));
                }
            });
        }
        return client.getMap("eventbus.sessions");
    }

    /**
     * Every member removal the client has seen, in order, by address: a test can tell a removal it
     * caused from one the machine caused (a member starved of CPU past the heartbeat timeout).
     */
    public List<String> removals() {
        return List.copyOf(removals);
    }

    /** The member address running a session, by its record. */
    /** The owner address of each of {@code sessionIds}' records (null: none), in their order. */
    public Map<String, String> owners(List<String> sessionIds) {
        Map<String, String> owners = new LinkedHashMap<>();
        for (String id : sessionIds) {
            SessionRecord record = sessions().get(id);
            owners.put(id, record == null ? null : record.ownerAddress());
        }
        return owners;
    }

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

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).redirectErrorStream(true).start();
        String output = new String(kill.getInputStream().readAllBytes());
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output);
        }
    }

    /** Reads a member's log as it grows, keeping the last cluster size it printed. */
    private static final class LogTail {
        private static final Pattern MEMBERS = Pattern.compile("Members \\{size:(\\d+),");
        private final Path file;
        private long position;
        private int size = -1;
        private String partial = "";

        LogTail(Path file) {
            this.file = file;
        }

        synchronized void reset() {
            position = 0;
            size = -1;
            partial = "";
        }

        synchronized int lastClusterSize() {
            try (RandomAccessFile log = new RandomAccessFile(file.toFile(), "r")) {
                long length = log.length();
                if (length > position) {
                    byte[] bytes = new byte[(int) (length - position)];
                    log.seek(position);
                    log.readFully(bytes);
                    position = length;
                    String text = partial + new String(bytes, StandardCharsets.UTF_8);
                    int lastLine = text.lastIndexOf('\n');
                    partial = text.substring(lastLine + 1);
                    Matcher matcher = MEMBERS.matcher(text.substring(0, lastLine + 1));
                    while (matcher.find()) {
                        size = Integer.parseInt(matcher.group(1));
                    }
                }
            } catch (IOException e) {
                // not started yet
            }
            return size;
        }
    }

    private void run(List<String> command, int timeoutSeconds) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("BAMBUS_RUN_DIR", runDir.toString());
        builder.environment().putAll(startEnvironment);
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
        try {
            firewall.close();
        } catch (RuntimeException e) {
            System.err.println("could not remove every iptables rule of this test: " + e.getMessage());
        }
        synchronized (paused) {
            for (long pid : paused) {
                try {
                    signal("CONT", pid);
                } catch (Exception ignored) {
                    // gone already
                }
            }
            paused.clear();
        }
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
