package io.bambus.grid.duty;

import com.hazelcast.partition.PartitionService;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A duty of the whole cluster done by exactly one member: the owner of the partition of its key,
 * so that a member's loss or leave moves it with the partition, as the sessions' records move.
 * One thread of its own ticks every second; {@link Work#tick} is told whether this member holds the
 * duty now, and a long piece of work asks {@link #holds()} to stop early when the duty has moved.
 * Owned and closed by the member; a close waits (bounded) for a tick in flight.
 */
public final class OwnerDuty implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(OwnerDuty.class);

    /** What the duty does every second. */
    @FunctionalInterface
    public interface Work {
        /** {@code holds}: this member is the partition owner of the duty's key now. Exceptions are logged. */
        void tick(boolean holds) throws Exception;
    }

    private final String name;
    private final String key;
    private final PartitionService partitions;
    private final ScheduledExecutorService executor;
    private volatile boolean running = true;
    private boolean held;

    public OwnerDuty(String name, String key, PartitionService partitions) {
        this.name = name;
        this.key = key;
        this.partitions = partitions;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "bambus-" + name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts ticking {@code work} every second on the duty's thread. */
    public void start(Work work) {
        executor.scheduleWithFixedDelay(() -> tick(work), 1, 1, TimeUnit.SECONDS);
    }

    private void tick(Work work) {
        if (!running) {
            return;
        }
        boolean holds = holds();
        if (holds != held) {
            held = holds;
            LOG.info("The {} duty {} this member", name, holds ? "runs on" : "moved away from");
        }
        try {
            work.tick(holds);
        } catch (Exception e) {
            LOG.warn("The {} duty failed this round: {}", name, e.toString());
        }
    }

    /** Whether this member does the duty now (and the duty is not closing): a long round checks it as it goes. */
    public boolean holds() {
        if (!running) {
            return false;
        }
        var owner = partitions.getPartition(key).getOwner();
        return owner != null && owner.localMember();
    }

    /** Stops ticking and waits up to {@code wait} for a round in flight (its outcome recorded), then interrupts it. */
    public void close(Duration wait) {
        running = false;
        executor.shutdown();
        try {
            if (!executor.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
                executor.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
