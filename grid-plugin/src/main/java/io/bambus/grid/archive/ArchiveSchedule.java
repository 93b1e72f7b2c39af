package io.bambus.grid.archive;

import io.bambus.core.archive.Archiver;
import io.bambus.core.config.BusConfig;
import io.bambus.grid.BusMember;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs the archiver every {@code archive.every} on exactly one member: the owner of the partition
 * of the key {@value #KEY} (so a member loss moves the duty with the partition). One thread
 * ("bambus-archiver"), owned and closed by {@link BusMember}.
 */
public final class ArchiveSchedule implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(ArchiveSchedule.class);
    static final String KEY = "bambus.archive";

    private final BusMember member;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "bambus-archiver");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean running = true;
    private long nextMillis;

    public ArchiveSchedule(BusMember member) {
        this.member = member;
    }

    public void start() {
        executor.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    private void tick() {
        BusConfig.Archive archive = member.config().archive();
        long now = System.currentTimeMillis();
        if (!running || !archive.enabled() || now < nextMillis) {
            return;
        }
        try {
            var owner = member.hazelcast().getPartitionService().getPartition(KEY).getOwner();
            if (owner == null || !owner.localMember()) {
                return;
            }
            nextMillis = now + archive.every().toMillis();
            new Archiver(member.destination()).archive(archive.after(), archive.batchSize(), () -> running);
        } catch (Exception e) {
            nextMillis = now + Math.min(archive.every().toMillis(), 60_000);
            LOG.warn("Archiving failed, retrying in {} s: {}", (nextMillis - now) / 1000, e.toString());
        }
    }

    @Override
    public void close() {
        running = false;
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
