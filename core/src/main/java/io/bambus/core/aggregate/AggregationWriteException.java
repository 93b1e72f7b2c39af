package io.bambus.core.aggregate;

import java.sql.SQLException;

/**
 * Writing a batch's changes to a real-time aggregation failed: never an event's fault (its table
 * may be being rebuilt, dropped or changed by a deployment), so the batch is not split to find a
 * culprit event; it fails whole and is tried again, with the definitions as deployed by then.
 */
public final class AggregationWriteException extends SQLException {

    public AggregationWriteException(String aggregation, SQLException cause) {
        super("writing the real-time aggregation " + aggregation + " failed: " + cause.getMessage(), cause.getSQLState(),
                cause.getErrorCode(), cause);
    }
}
