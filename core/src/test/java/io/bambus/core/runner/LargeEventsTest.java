package io.bambus.core.runner;

import io.bambus.core.config.SessionSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.event.EventStream;
import io.bambus.core.testing.BusFixture;
import io.bambus.core.testing.DrainInSmallHeap;
import io.bambus.core.testing.TestDatabase;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A batch is bounded by bytes too: 500 events of ~1 MiB move in 192 MiB of heap (issue 13, 4). */
class LargeEventsTest {

    private static final int EVENTS = 500;
    private static final String HEAP = "-Xmx192m";

    @Test
    void fiveHundredOneMebibyteEventsMoveInASmallHeap() throws Exception {
        try (BusFixture bus = new BusFixture()) {
            String big = "x".repeat(1_000_000);
            for (int i = 0; i < EVENTS; i++) {
                try (EventStream events = EventStream.on(bus.source)) {
                    events.addReference("PurchaseOrder", "po-" + i, "Document", "Scan", "scan-" + i, big);
                }
            }
            TestDatabase server = bus.server;
            List<String> command = new ArrayList<>(List.of(new File(System.getProperty("java.home"), "bin/java").getPath(),
                    HEAP, "-cp", System.getProperty("java.class.path"), DrainInSmallHeap.class.getName(),
                    server.jdbcUrl(bus.sourceDb), server.jdbcUrl(bus.destinationDb), server.user(), server.password(),
                    String.valueOf(EVENTS), String.valueOf(SessionSettings.DEFAULT_BATCH_BYTES)));
            Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output;
            try {
                assertTrue(child.waitFor(5, TimeUnit.MINUTES), "the drain finished within 5 minutes");
            } finally {
                output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                child.destroyForcibly();
            }
            System.out.println(output.lines().filter(line -> line.startsWith("DRAINED") || line.contains("Error"))
                    .reduce("", (a, b) -> a + b + "\n"));
            assertEquals(0, child.exitValue(), "the drain in " + HEAP + " failed:\n" + tail(output));
            assertEquals(EVENTS, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints"));
            assertEquals(EVENTS, bus.count(bus.destination,
                    "SELECT COUNT(*) FROM bam_PurchaseOrder_relationships WHERE LENGTH(LongReferenceData) = 1000000"));
            assertTrue(bus.count(bus.destination, "SELECT batch_no FROM bam_checkpoints") >= EVENTS / 16,
                    "batches of at most 16 MiB");
        }
    }

    private static String tail(String output) {
        String[] lines = output.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 15), lines.length));
    }
}
