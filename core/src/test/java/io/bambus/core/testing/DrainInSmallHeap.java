package io.bambus.core.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.apply.Applier;
import io.bambus.core.config.DatabaseConfig;
import io.bambus.core.db.Pools;
import io.bambus.core.outbox.OutboxReader;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.runner.SessionMover;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drains one session in this (small-heap) JVM and prints the heap it peaked at: the child process of
 * {@code io.bambus.core.runner.LargeEventsTest}. Args: source URL, destination URL, user, password,
 * batch size, batch bytes.
 */
public final class DrainInSmallHeap {

    public static void main(String[] args) throws Exception {
        try (HikariDataSource source = pool(args[0], args[2], args[3]);
             HikariDataSource destination = pool(args[1], args[2], args[3])) {
            SessionMover mover = new SessionMover(new OutboxReader(source, OutboxSchema.DEFAULT_TABLE, Duration.ofDays(1)),
                    new Applier(destination, "big"), Integer.parseInt(args[4]), Long.parseLong(args[5]), 0, 1);
            mover.claim();
            AtomicLong peak = new AtomicLong();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            try {
                MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
                sampler.scheduleAtFixedRate(() -> peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max),
                        0, 5, TimeUnit.MILLISECONDS);
                long moved = BusFixture.drain(mover);
                System.out.printf("DRAINED %d events, batches %d, heap used at most %.1f MiB (sampled every 5 ms) of max"
                        + " %.1f MiB%n", moved, mover.checkpoint().batchNo(), peak.get() / 1048576.0,
                        Runtime.getRuntime().maxMemory() / 1048576.0);
            } finally {
                sampler.shutdownNow();
            }
        }
    }

    /** The bus's own pool settings, so the drain buffers what a member's session would. */
    private static HikariDataSource pool(String url, String user, String password) {
        return Pools.open("drain", new DatabaseConfig(url, user, password, 2, 5_000, 60_000));
    }
}
