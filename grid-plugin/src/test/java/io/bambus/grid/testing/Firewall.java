package io.bambus.grid.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cuts traffic between loopback addresses with iptables: {@code iptables -I INPUT -s A -d B -j DROP},
 * tagged with a comment naming this test process, and removes exactly the rules it added. Every cut
 * is probed (a connection from A to a listener on B must fail): a machine where iptables cannot cut
 * loopback traffic (no root, no iptables, a kernel without netfilter) fails the test loudly, it never
 * passes without a partition. Close it to remove whatever it still holds, also when a test fails.
 */
public final class Firewall implements AutoCloseable {

    private static final int PROBE_TIMEOUT_MILLIS = 300;

    private final String tag = "bambus-it-" + ProcessHandle.current().pid();
    private final List<String[]> rules = new ArrayList<>();

    /** Fails at once, before any member starts, when iptables cannot be run here (missing, or not root). */
    public static void requireIptables() {
        iptables("-S", new String[] {"INPUT"});
    }

    /** Drops every packet from {@code from} to {@code to} (one direction); probes that it does. */
    public synchronized void drop(String from, String to) {
        String[] rule = {"INPUT", "-s", from, "-d", to, "-m", "comment", "--comment", tag, "-j", "DROP"};
        iptables("-I", rule);
        rules.add(rule);
        if (connects(from, to)) {
            throw new IllegalStateException("an iptables rule dropping " + from + " -> " + to + " is in place, yet a connection"
                    + " from " + from + " to " + to + " still succeeds: this machine cannot cut loopback traffic, so no partition"
                    + " can be tested here (iptables -S shows the rules)");
        }
    }

    /** Removes every rule this firewall added, in reverse order; the first failure is thrown after trying all. */
    public synchronized void clear() {
        IllegalStateException failure = null;
        for (int i = rules.size() - 1; i >= 0; i--) {
            try {
                iptables("-D", rules.get(i));
                rules.remove(i);
            } catch (IllegalStateException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Whether a TCP connection from {@code from} reaches a listener on {@code to} within the probe's timeout. */
    private static boolean connects(String from, String to) {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getByName(to));
             Socket probe = new Socket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            try {
                probe.connect(new InetSocketAddress(InetAddress.getByName(to), listener.getLocalPort()), PROBE_TIMEOUT_MILLIS);
                return true;
            } catch (SocketTimeoutException e) {
                return false; // the SYN was dropped
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot probe the cut from " + from + " to " + to + ": " + e, e);
        }
    }

    private static void iptables(String action, String[] rule) {
        List<String> command = new ArrayList<>(List.of("iptables", "-w", "5", action));
        command.addAll(List.of(rule));
        String output;
        int exit;
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 30 s");
            }
            exit = process.exitValue();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run iptables (" + e.getMessage() + "): the partition tests need root and"
                    + " iptables (.ci/run installs it)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + exit + "): " + output.trim()
                    + " — the partition tests need root and iptables (.ci/run installs it)");
        }
    }

    @Override
    public void close() {
        clear();
    }
}
