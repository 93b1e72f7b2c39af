package io.bambus.grid.bench;

import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The Debezium peer ({@code bench/peer}, {@code io.bambus.bench.peer.DebeziumPeer}) as its own JVM,
 * reading an environment's sources from the binary log into its destination, with its offsets and
 * schema history in a directory of its own. Its stdout lines are collected, stderr goes to a file.
 */
final class PeerPipeline implements AutoCloseable {

    private final BusEnvironment env;
    private final Path state;
    private final int batch;
    private Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    PeerPipeline(BusEnvironment env, int batch) throws IOException {
        this.env = env;
        this.batch = batch;
        this.state = Files.createTempDirectory("bambus-peer-state");
    }

    /** Starts the peer JVM; returns when every engine streams from the binary log. */
    void start() throws Exception {
        Path root = ClusterFixture.repoRoot();
        Path classes = root.resolve("bench/peer/target/classes");
        Path classPathFile = root.resolve("bench/peer/target/peer.classpath");
        if (!Files.exists(classPathFile)) {
            throw new IllegalStateException(classPathFile + " is missing: build the peer first (mvn -DskipTests install)");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", classes + ":" + Files.readString(classPathFile).trim(), "io.bambus.bench.peer.DebeziumPeer",
                "--host", "127.0.0.1", "--port", String.valueOf(env.serverPort()), "--user", env.user(),
                "--password", env.password(), "--destination", env.destinationDb, "--state", state.toString(),
                "--batch", String.valueOf(batch), "--poll-ms", "5", "--flush-ms", "1000"));
        for (Map.Entry<String, String> source : env.sourceDbs.entrySet()) {
            command.add("--source");
            command.add(source.getKey() + "=" + source.getValue());
        }
        lines.clear();
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(state.resolve("peer.log").toFile()))
                .start();
        Process started = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                }
            } catch (IOException ended) {
                // the process ended
            }
        }, "peer-stdout");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.currentTimeMillis() + 120_000;
        while (lines.stream().filter(line -> line.startsWith("PEER STREAMING ")).count() < env.sourceDbs.size()) {
            if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the peer did not stream within 120 s (printed " + lines + "); see "
                        + state.resolve("peer.log"));
            }
            BenchSupport.sleep(20);
        }
    }

    long pid() {
        return process.pid();
    }

    /** SIGTERM: the engines flush their offsets and stop. */
    void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.toHandle().destroy(); // through the handle: Process.destroy() would close our end of its stdout
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("the peer did not stop within 60 s of SIGTERM; see " + state.resolve("peer.log"));
        }
    }

    /** kill -9: no offsets flushed beyond the last periodic flush. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Events the peer has applied, by its audit rows (one per committed batch). */
    long applied() {
        return env.count(env.destination, "SELECT COALESCE(SUM(events), 0) FROM bam_peer_batches");
    }

    /** The highest audit row id (0: none): a new one means a batch committed. */
    long lastBatch() {
        return env.count(env.destination, "SELECT COALESCE(MAX(id), 0) FROM bam_peer_batches");
    }

    /**
     * For one source: {seqs applied twice or more (counted once per extra application), seqs of its
     * outbox never applied, seqs in its outbox}, from the audit rows' seq ranges.
     */
    long[] twiceAndLost(String sourceId) throws Exception {
        long maxSeq = env.query(env.sources.get(sourceId), "SELECT COALESCE(MAX(seq), 0) FROM bam_outbox");
        int[] applied = new int[(int) maxSeq + 1];
        try (Connection connection = env.destination.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT seqs FROM bam_peer_batches WHERE source = '" + sourceId + "'")) {
            while (rows.next()) {
                for (String range : rows.getString(1).split(",")) {
                    String[] bounds = range.split("-");
                    long from = Long.parseLong(bounds[0]);
                    long to = bounds.length > 1 ? Long.parseLong(bounds[1]) : from;
                    for (long seq = from; seq <= to && seq <= maxSeq; seq++) {
                        applied[(int) seq]++;
                    }
                }
            }
        }
        long twice = 0;
        long lost = 0;
        long total = 0;
        try (Connection connection = env.sources.get(sourceId).getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT seq FROM bam_outbox")) {
            while (rows.next()) {
                int times = applied[(int) rows.getLong(1)];
                total++;
                twice += Math.max(0, times - 1);
                lost += times == 0 ? 1 : 0;
            }
        }
        return new long[] {twice, lost, total};
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }
}
