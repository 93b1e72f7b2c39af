package io.bambus.grid.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Watches a session's checkpoint of record in the destination every 5 ms, the ground truth of who
 * commits when: the time of the last commit seen under each epoch and of the first commit under a
 * newer one. Figures carry up to ~5 ms of polling. Close it to stop the thread.
 */
public final class CommitWatcher implements AutoCloseable {

    private final DataSource destination;
    private final String sessionId;
    private final long periodMillis;
    private final Thread thread;
    private volatile boolean running = true;
    private long epoch = -1;
    private long batch = -1;
    private long lastCommitNanos;
    private long previousEpochLastCommitNanos;
    private long epochFirstCommitNanos;
    /** When each commit was seen, for the longest gap over a window. */
    private final java.util.List<Long> commits = new java.util.ArrayList<>();

    public CommitWatcher(DataSource destination, String sessionId) {
        this(destination, sessionId, 5);
    }

    /** Polls every {@code periodMillis} (figures carry that much): many watchers at 5 ms load a small machine. */
    public CommitWatcher(DataSource destination, String sessionId, long periodMillis) {
        this.periodMillis = periodMillis;
        this.destination = destination;
        this.sessionId = sessionId;
        this.thread = new Thread(this::run, "commit-watcher-" + sessionId);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        while (running) {
            try (Connection connection = destination.getConnection();
                 PreparedStatement select = connection.prepareStatement(
                         "SELECT epoch, batch_no FROM bam_checkpoints WHERE session_id = ?")) {
                connection.setAutoCommit(true);
                select.setString(1, sessionId);
                while (running) {
                    try (ResultSet row = select.executeQuery()) {
                        if (row.next()) {
                            observe(row.getLong(1), row.getLong(2), System.nanoTime());
                        }
                    }
                    Thread.sleep(periodMillis);
                }
            } catch (SQLException e) {
                // the members have not deployed the tables yet: look again
                sleepQuietly();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void observe(long newEpoch, long newBatch, long now) {
        if (newBatch == batch) {
            return; // no commit since the last look (a claim may have raised the epoch: not a commit)
        }
        if (newEpoch != epoch) {
            previousEpochLastCommitNanos = lastCommitNanos;
            epochFirstCommitNanos = now;
            epoch = newEpoch;
        }
        batch = newBatch;
        lastCommitNanos = now;
        commits.add(now);
    }

    /** The epoch of the last commit seen. */
    public synchronized long epoch() {
        return epoch;
    }

    /** When the first commit under the current epoch was seen (System.nanoTime). */
    public synchronized long epochFirstCommitNanos() {
        return epochFirstCommitNanos;
    }

    /** Millis between the last commit under the previous epoch and the first under the current one. */
    public synchronized long handoverGapMillis() {
        return (epochFirstCommitNanos - previousEpochLastCommitNanos) / 1_000_000;
    }

    /** Waits until a commit under an epoch above {@code epoch} is seen; returns when it was seen. */
    public long awaitCommitAbove(long epoch, java.time.Duration timeout) {
        Await.until(sessionId + " to commit under an epoch above " + epoch, timeout, () -> epoch() > epoch,
                () -> "(epoch " + epoch() + ")");
        return epochFirstCommitNanos();
    }

    /**
     * The longest time without a commit between {@code fromNanos} and {@code toNanos} (System.nanoTime),
     * counting from the last commit before the window and to the first after it.
     */
    public synchronized long longestGapMillis(long fromNanos, long toNanos) {
        long longest = 0;
        Long previous = null;
        for (long commit : commits) {
            if (previous != null && commit >= fromNanos && previous <= toNanos) {
                longest = Math.max(longest, commit - previous);
            }
            previous = commit;
        }
        if (previous != null && previous <= toNanos) {
            longest = Math.max(longest, toNanos - Math.max(previous, fromNanos));
        }
        return longest / 1_000_000;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
    }
}
