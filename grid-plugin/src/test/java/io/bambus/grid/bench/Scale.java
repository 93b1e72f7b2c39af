package io.bambus.grid.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.event.EventStream;
import io.bambus.core.testing.TestDatabase;
import io.bambus.grid.testing.ManySources;
import io.bambus.grid.testing.MemberProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scale: 10, 100 and 1,000 sessions on 3 member processes. The sources share one database, each
 * with its own outbox table holding one order. Reports the time from the first member's start to
 * every session having moved its order, and per member: heap used after a full GC, resident
 * memory, threads. Arguments: session counts (default 10 100 1000), member heap (default 1g).
 */
public final class Scale {

    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    public static void main(String[] args) throws Exception {
        List<Integer> counts = new ArrayList<>();
        String heap = "1g";
        for (String arg : args) {
            if (arg.matches("\\d+")) {
                counts.add(Integer.parseInt(arg));
            } else {
                heap = arg;
            }
        }
        if (counts.isEmpty()) {
            counts = List.of(10, 100, 1000);
        }
        List<String> lines = new ArrayList<>();
        for (int n : counts) {
            String line = run(n, heap);
            System.out.println("SCALE " + line);
            lines.add(line);
        }
        System.out.println();
        System.out.println("Scale, 3 member processes (-Xmx" + heap + "), one order per source:");
        lines.forEach(line -> System.out.println("  " + line));
    }

    private static String run(int n, String heap) throws Exception {
        TestDatabase server = TestDatabase.get();
        String sourceDb = server.create("scale_src");
        String destinationDb = server.create("scale_dst");
        Path dir = Files.createTempDirectory("bambus-scale");
        try (HikariDataSource source = server.pool(sourceDb, 4);
             HikariDataSource destination = server.pool(destinationDb, 2)) {
            Path config = ManySources.configure(server, source, sourceDb, destinationDb, dir, n, null, (connection, table, i) -> {
                try (EventStream events = EventStream.on(connection).outboxTable(table)) {
                    String id = "s" + i + "-order";
                    events.beginActivity("Order", id).updateActivity("Order", id, "Step", 1)
                            .updateActivity("Order", id, "Step", 2).endActivity("Order", id);
                }
            });

            try (MemberProcesses members = new MemberProcesses(config, 3).heap(heap)) {
                long start = System.nanoTime();
                for (int i = 0; i < 3; i++) {
                    members.start(i);
                }
                long deadline = start + 300_000_000_000L;
                long done = 0;
                long ninetyNine = 0;
                while (System.nanoTime() < deadline) {
                    done = count(destination, "SELECT COUNT(*) FROM bam_checkpoints WHERE events_applied >= 4");
                    if (ninetyNine == 0 && done >= Math.ceil(n * 0.99)) {
                        ninetyNine = System.nanoTime() - start;
                    }
                    if (done >= n) {
                        break;
                    }
                    BenchSupport.sleep(100);
                }
                long millis = (System.nanoTime() - start) / 1_000_000;
                StringBuilder line = new StringBuilder(String.format("%,5d sessions: %s in %.1f s (99%% in %.1f s) from the"
                        + " first member's start;", n, done >= n ? "all ran and moved their events" : "ONLY " + done + " ran",
                        millis / 1000.0, ninetyNine / 1e9));
                for (int i = 0; i < 3; i++) {
                    long pid = members.pid(i);
                    line.append(String.format(" m%d heap %d MB, RSS %d MB, %d threads;", i, heapUsedMb(pid),
                            status(pid, "VmRSS") / 1024, status(pid, "Threads")));
                }
                return line.toString();
            }
        } finally {
            server.drop(sourceDb);
            server.drop(destinationDb);
        }
    }

    private static long count(HikariDataSource pool, String sql) {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql)) {
            return row.next() ? row.getLong(1) : 0;
        } catch (java.sql.SQLException e) {
            return 0; // not deployed yet
        }
    }

    /** Heap in use after a full GC, as jcmd reports it. */
    private static long heapUsedMb(long pid) throws Exception {
        jcmd(pid, "GC.run");
        Matcher m = USED.matcher(jcmd(pid, "GC.heap_info"));
        return m.find() ? Long.parseLong(m.group(1)) / 1024 : -1;
    }

    private static String jcmd(long pid, String command) throws Exception {
        Process process = new ProcessBuilder("jcmd", String.valueOf(pid), command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        return out;
    }

    private static long status(long pid, String key) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
