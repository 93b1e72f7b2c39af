package io.bambus.grid.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Picks a block of ports for a test cluster that nothing else on the machine listens on. A
 * Hazelcast member whose member list names a port held by another server (a Redis on 6379, say)
 * waits for that "member" to answer its join and hung a test for 180 s; so the fixtures skip
 * every block where one of their member or client ports is taken.
 */
public final class FreePorts {

    private FreePorts() {
    }

    /**
     * The first base, from {@code preferred} on in steps of {@code size} and wrapping within
     * [{@code lowest}, {@code highest}), whose ports base..base+size-1 and the same plus
     * {@code clientOffset} are all free on {@code host}.
     */
    public static int block(String host, int preferred, int size, int clientOffset, int lowest, int highest) {
        int blocks = (highest - lowest) / size;
        int first = (preferred - lowest) / size;
        for (int i = 0; i < blocks; i++) {
            int base = lowest + ((first + i) % blocks) * size;
            if (free(host, base, size) && free(host, base + clientOffset, size)) {
                return base;
            }
        }
        throw new IllegalStateException("no block of " + size + " free ports (and their client ports, +" + clientOffset
                + ") between " + lowest + " and " + highest + " on " + host);
    }

    private static boolean free(String host, int from, int count) {
        for (int port = from; port < from + count; port++) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
