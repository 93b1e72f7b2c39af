package io.bambus.bench.peer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** {@link DebeziumPeer} as its own JVM, as the benchmark runs it: its stdout lines collected, stderr in a file. */
final class PeerProcess {

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;
    final Path log;

    private PeerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                }
            } catch (IOException closed) {
                // the process ended
            }
        }, "peer-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    static PeerProcess start(Path log, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", classPath(), DebeziumPeer.class.getName()));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        return new PeerProcess(process, log);
    }

    /** Surefire runs tests from a manifest-only jar; its real class path is in this property. */
    private static String classPath() {
        String path = System.getProperty("surefire.test.class.path");
        return path == null || path.isBlank() ? System.getProperty("java.class.path") : path;
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    void awaitLine(String line, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!lines.contains(line)) {
            if (!process.isAlive() && !lines.contains(line)) {
                throw new AssertionError("the peer exited (" + process.exitValue() + ") before printing '" + line + "'; see " + log);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + line + "' from the peer within " + timeout + "; printed " + lines + "; see " + log);
            }
            Thread.sleep(20);
        }
    }

    /** SIGTERM, as the orchestrator stops it; returns the exit code once every line it printed is read. */
    int stop() throws InterruptedException {
        // through the handle: Process.destroy() would also close our end of its stdout, losing the last lines
        process.toHandle().destroy();
        return awaitExit();
    }

    /** SIGKILL: no shutdown hook, no offset flush. Nothing when it already ended. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    int awaitExit() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("the peer did not exit within 60 s; see " + log);
        }
        // the last lines may still be in the pipe
        reader.join(10_000);
        return process.exitValue();
    }
}
