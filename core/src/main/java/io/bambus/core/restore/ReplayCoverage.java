package io.bambus.core.restore;

import io.bambus.core.schema.OutboxSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Whether a source still holds every event a destination restored to an older checkpoint lacks.
 * The restored checkpoint says batch {@code restoredBatch} is the last it has; the live one says
 * the bus had moved up to {@code liveBatch}. Replay needs every outbox row of the batches in
 * between. Purging deletes the oldest moved rows first, so the rows kept form a suffix of the
 * batches: they cover the gap exactly when the oldest kept batch is {@code restoredBatch + 1}.
 */
public record ReplayCoverage(String sessionId, long restoredBatch, long liveBatch, long firstKeptBatch, long lostFromSeq,
                             long lostToSeq) {

    /** Nothing is lost: the destination loses no batch, or the source still holds all it lacks. */
    public boolean covered() {
        return lostToSeq < lostFromSeq;
    }

    /** The lost batches and seqs as an operator reads them, or "" when covered. */
    public String lostRange() {
        if (covered()) {
            return "";
        }
        long lastLostBatch = firstKeptBatch == 0 ? liveBatch : firstKeptBatch - 1;
        return "batches " + (restoredBatch + 1) + "–" + lastLostBatch + " (outbox seqs about " + lostFromSeq + "–" + lostToSeq
                + ") are no longer in the source's outbox";
    }

    /**
     * Checks {@code table} of {@code source} for the batches after {@code restoredBatch}.
     * {@code restoredMaxSeq} and {@code liveMaxSeq} bound the seqs for the report.
     */
    public static ReplayCoverage check(String sessionId, long restoredBatch, long restoredMaxSeq, long liveBatch,
                                       long liveMaxSeq, DataSource source, String table) throws SQLException {
        if (liveBatch <= restoredBatch) {
            return new ReplayCoverage(sessionId, restoredBatch, liveBatch, 0, 1, 0);
        }
        try (Connection connection = source.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT MIN(moved_batch) FROM "
                     + OutboxSchema.quoted(table) + " WHERE moved_batch > ?")) {
            select.setLong(1, restoredBatch);
            long firstKept;
            try (ResultSet row = select.executeQuery()) {
                row.next();
                firstKept = row.getLong(1);
            }
            if (firstKept == restoredBatch + 1) {
                return new ReplayCoverage(sessionId, restoredBatch, liveBatch, firstKept, 1, 0);
            }
            long lostTo = liveMaxSeq;
            if (firstKept != 0) {
                try (PreparedStatement seqs = connection.prepareStatement("SELECT MIN(seq) FROM " + OutboxSchema.quoted(table)
                        + " WHERE moved_batch = ?")) {
                    seqs.setLong(1, firstKept);
                    try (ResultSet row = seqs.executeQuery()) {
                        row.next();
                        lostTo = row.getLong(1) - 1;
                    }
                }
            }
            return new ReplayCoverage(sessionId, restoredBatch, liveBatch, firstKept, restoredMaxSeq + 1,
                    Math.max(lostTo, restoredMaxSeq + 1));
        }
    }
}
