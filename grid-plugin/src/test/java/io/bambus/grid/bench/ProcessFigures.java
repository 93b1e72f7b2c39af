package io.bambus.grid.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the benchmarks read about a process from /proc and jcmd (Linux, same user or root). */
final class ProcessFigures {

    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private static final Pattern SOCKET = Pattern.compile("socket:\\[(\\d+)]");

    private ProcessFigures() {
    }

    /** Heap in use after a full GC, as jcmd reports it; -1 when jcmd says nothing usable. */
    static long heapAfterGcMb(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        Matcher m = USED.matcher(jcmd(pid, "GC.heap_info"));
        return m.find() ? Long.parseLong(m.group(1)) / 1024 : -1;
    }

    /** CPU seconds the process has used so far (user and system), from /proc/PID/stat. */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // fields after the command name, which may hold spaces: state is the 3rd field, utime the 14th, stime the 15th
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) CLOCK_TICKS;
    }

    /** The kernel's clock ticks per second for /proc times (USER_HZ): 100 on every Linux this runs on. */
    private static final int CLOCK_TICKS = 100;

    static long threads(long pid) throws IOException {
        return status(pid, "Threads");
    }

    static long rssMb(long pid) throws IOException {
        return status(pid, "VmRSS") / 1024;
    }

    /**
     * The local ports of every TCP socket {@code pid} holds, to the process id: the process's
     * socket inodes from /proc/PID/fd, matched to the connection table in /proc/net/tcp and tcp6.
     * A database's processlist names a client by address and port; this says which process it is.
     */
    static Map<Integer, Long> tcpLocalPorts(Iterable<Long> pids) throws IOException {
        Map<Long, Long> inodeToPid = new HashMap<>();
        for (long pid : pids) {
            for (long inode : socketInodes(pid)) {
                inodeToPid.put(inode, pid);
            }
        }
        Map<Integer, Long> ports = new HashMap<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path file = Path.of(table);
            if (!Files.exists(file)) {
                continue;
            }
            for (String line : Files.readAllLines(file)) {
                // "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
                String[] fields = line.trim().split("\\s+");
                if (fields.length < 10 || !fields[1].contains(":") || fields[0].equals("sl")) {
                    continue;
                }
                Long pid = inodeToPid.get(Long.parseLong(fields[9]));
                if (pid != null) {
                    String local = fields[1];
                    ports.put(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16), pid);
                }
            }
        }
        return ports;
    }

    private static Set<Long> socketInodes(long pid) throws IOException {
        Set<Long> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds) {
                try {
                    Matcher m = SOCKET.matcher(Files.readSymbolicLink(fd).toString());
                    if (m.matches()) {
                        inodes.add(Long.parseLong(m.group(1)));
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor went while we listed them
                }
            }
        }
        return inodes;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("jcmd", String.valueOf(pid), command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        return out;
    }

    private static long status(long pid, String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
