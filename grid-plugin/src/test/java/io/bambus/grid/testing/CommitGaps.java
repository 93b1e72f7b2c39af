package io.bambus.grid.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Watches every session's checkpoint of record (batch_no in bam_checkpoints) every 20 ms and keeps,
 * per session, the longest time between two commits seen while the window is open, counting a gap
 * still open when it closes: how long a session paused while something happened to the cluster
 * (the producers must keep writing through the window). Figures carry up to ~20 ms of polling.
 */
public final class CommitGaps implements AutoCloseable {

    private final DataSource destination;
    private final Thread thread;
    private final Map<String, Long> lastBatch = new HashMap<>();
    private final Map<String, Long> lastCommitNanos = new HashMap<>();
    private final Map<String, Long> longestGapNanos = new HashMap<>();
    private volatile boolean running = true;
    private long windowStart;
    private boolean windowOpen;

    public CommitGaps(DataSource destination) {
        this.destination = destination;
        this.thread = new Thread(this::run, "commit-gaps");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        while (running) {
            try (Connection connection = destination.getConnection(); Statement select = connection.createStatement()) {
                connection.setAutoCommit(true);
                while (running) {
                    try (ResultSet rows = select.executeQuery("SELECT session_id, batch_no FROM bam_checkpoints")) {
                        long now = System.nanoTime();
                        while (rows.next()) {
                            observe(rows.getString(1), rows.getLong(2), now);
                        }
                    }
                    Thread.sleep(20); // the polling period
                }
            } catch (SQLException e) {
                sleepQuietly(); // tables not deployed yet, or the destination restarting: look again
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void observe(String session, long batch, long now) {
        Long previous = lastBatch.put(session, batch);
        if (previous != null && previous == batch) {
            return;
        }
        if (windowOpen) {
            long since = Math.max(lastCommitNanos.getOrDefault(session, windowStart), windowStart);
            longestGapNanos.merge(session, now - since, Math::max);
        }
        lastCommitNanos.put(session, now);
    }

    /** Starts measuring: gaps before now do not count. */
    public synchronized void openWindow() {
        longestGapNanos.clear();
        windowStart = System.nanoTime();
        windowOpen = true;
    }

    /** Stops measuring; a session that has not committed since its last commit gets that open gap. */
    public synchronized void closeWindow(Iterable<String> sessions) {
        long now = System.nanoTime();
        for (String session : sessions) {
            long since = Math.max(lastCommitNanos.getOrDefault(session, windowStart), windowStart);
            longestGapNanos.merge(session, now - since, Math::max);
        }
        windowOpen = false;
    }

    /** The longest gap between commits of {@code session} in the last window, in milliseconds. */
    public synchronized long longestGapMillis(String session) {
        return longestGapNanos.getOrDefault(session, 0L) / 1_000_000;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
    }
}
