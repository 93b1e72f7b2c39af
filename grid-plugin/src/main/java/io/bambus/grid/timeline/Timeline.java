package io.bambus.grid.timeline;

import com.hazelcast.config.RingbufferConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.ringbuffer.OverflowPolicy;
import com.hazelcast.ringbuffer.Ringbuffer;
import io.bambus.grid.Callbacks;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The bus's timeline, kept by the cluster in a ringbuffer with a backup (so it survives the UI and
 * any one member); the oldest entries are overwritten past {@value #CAPACITY}. Writes are
 * asynchronous and best effort: the timeline tells the story, the destination holds the truth.
 */
public final class Timeline {

    public static final String NAME = "eventbus.timeline";
    public static final int CAPACITY = 10_000;
    private static final Logger LOG = LogManager.getLogger(Timeline.class);

    private Timeline() {
    }

    /** Declares the ringbuffer with its backup; called by each member before it writes. */
    public static void configure(HazelcastInstance hz) {
        hz.getConfig().addRingBufferConfig(new RingbufferConfig(NAME).setCapacity(CAPACITY).setBackupCount(1));
    }

    public static Ringbuffer<TimelineEntry> of(HazelcastInstance hz) {
        return hz.getRingbuffer(NAME);
    }

    /** A writer of this member's own entries (as the bus, with the member's address): what the bus's parts are given. */
    public static Writer writer(HazelcastInstance hz) {
        String member = io.bambus.grid.status.Addresses.of(hz.getCluster().getLocalMember());
        return (kind, session, detail) -> record(hz, kind, member, session, "bus", detail);
    }

    /** Records this member's entries (a session's, or the member's own with a null session). */
    @FunctionalInterface
    public interface Writer {
        void record(TimelineEntry.Kind kind, String session, String detail);
    }

    public static void record(HazelcastInstance hz, TimelineEntry.Kind kind, String member, String session, String actor,
                              String detail) {
        TimelineEntry entry = new TimelineEntry(System.currentTimeMillis(), kind, member, session, actor, detail);
        try {
            of(hz).addAsync(entry, OverflowPolicy.OVERWRITE).whenCompleteAsync((sequence, e) -> {
                if (e != null) {
                    LOG.debug("Timeline entry not written ({}): {}", entry, e.toString());
                }
            }, Callbacks.INLINE);
        } catch (RuntimeException e) {
            LOG.debug("Timeline entry not written ({}): {}", entry, e.toString());
        }
    }
}
