package io.bambus.grid.archive;

import com.hazelcast.partition.PartitionService;
import io.bambus.core.archive.Archiver;
import io.bambus.core.config.BusConfig;
import io.bambus.grid.duty.OwnerDuty;
import java.time.Duration;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs the archiver every {@code archive.every} on exactly one member: the owner of the partition
 * of the key {@value #KEY} ({@link OwnerDuty}, so a member loss moves the duty with the partition).
 * Closed by the member: a round in flight stops at its next batch.
 */
public final class ArchiveSchedule implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(ArchiveSchedule.class);
    static final String KEY = "bambus.archive";

    private final Supplier<BusConfig.Archive> archive;
    private final DataSource destination;
    private final OwnerDuty duty;
    private long nextMillis;

    /** {@code archive}: the section as the bus file says now (an edit reaches the next round). */
    public ArchiveSchedule(Supplier<BusConfig.Archive> archive, DataSource destination, PartitionService partitions) {
        this.archive = archive;
        this.destination = destination;
        this.duty = new OwnerDuty("archiver", KEY, partitions);
    }

    public void start() {
        duty.start(this::tick);
    }

    private void tick(boolean holds) {
        BusConfig.Archive current = archive.get();
        long now = System.currentTimeMillis();
        if (!holds || now < nextMillis) {
            return;
        }
        try {
            nextMillis = now + current.every().toMillis();
            if (current.enabled()) {
                new Archiver(destination).archive(current.after(), current.batchSize(), duty::holds);
            } else {
                new Archiver(destination).purgeAggregations(current.batchSize(), duty::holds); // their windows still apply
            }
        } catch (Exception e) {
            nextMillis = now + Math.min(current.every().toMillis(), 60_000);
            LOG.warn("Archiving failed, retrying in {} s: {}", (nextMillis - now) / 1000, e.toString());
        }
    }

    @Override
    public void close() {
        duty.close(Duration.ZERO); // the archiver stops at its next batch: nothing of a round is lost
    }
}
