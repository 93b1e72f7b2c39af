package io.bambus.grid.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** A CI run hung 180 s: a test cluster's member list held 6379, where a Redis listens. Blocks with a taken port are skipped. */
class FreePortsTest {

    @Test
    void aBlockWithATakenMemberOrClientPortIsSkipped() throws Exception {
        try (ServerSocket other = new ServerSocket()) {
            other.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int taken = other.getLocalPort();
            int preferred = taken - 2;
            int chosen = FreePorts.block("127.0.0.1", preferred, 5, 100, preferred - 50, preferred + 50);
            assertNotEquals(preferred, chosen, "the block holding the taken port " + taken + " is skipped");
            assertEquals(0, (chosen - (preferred - 50)) % 5, "blocks stay aligned");
            int byClient = FreePorts.block("127.0.0.1", taken - 102, 5, 100, taken - 152, taken - 52);
            assertNotEquals(taken - 102, byClient, "a taken client port skips its block too");
        }
    }
}
