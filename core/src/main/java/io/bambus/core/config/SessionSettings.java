package io.bambus.core.config;

import java.time.Duration;

/**
 * What a running session takes from the bus file: how it reads, waits and retains. Members hand
 * each session this alone; an edit of any of it restarts the running sessions with the new values
 * (docs/configuration.md). Defaults here, for the bus file and for code that builds a session.
 *
 * @param batchSize         events per batch at most
 * @param batchBytes        payload bytes per batch at most (a first larger event still goes, alone)
 * @param gapWaitMillis     how long a batch stops below a seq an open application transaction holds
 * @param pollIntervalMillis the wait before the next poll of a session that found nothing
 * @param idlePollMaxMillis  the longest such wait, doubled up to after a second of empty polls
 * @param maxBackoffMillis   the longest wait before a failing session tries again
 * @param retention          how long moved rows stay in the outbox (0: deleted when moved)
 */
public record SessionSettings(int batchSize, long batchBytes, long gapWaitMillis, long pollIntervalMillis,
                              long idlePollMaxMillis, long maxBackoffMillis, Duration retention) {

    public static final int DEFAULT_BATCH_SIZE = 500;
    public static final long DEFAULT_BATCH_BYTES = 16L << 20;
    public static final long DEFAULT_GAP_WAIT_MILLIS = 3_000;
    public static final long DEFAULT_POLL_INTERVAL_MILLIS = 100;
    public static final long DEFAULT_IDLE_POLL_MAX_MILLIS = 2_000;
    public static final long DEFAULT_MAX_BACKOFF_MILLIS = 30_000;
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
    /** The outbox table a source names when it names none. */
    public static final String DEFAULT_OUTBOX_TABLE = "bam_outbox";
}
