package io.bambus.core.session;

/**
 * The destination's checkpoint is not the one the runner continued from (the destination was
 * restored, or its checkpoint row changed behind the bus). Nothing was changed; the runner must claim
 * the session again, which reconciles the source with the checkpoint of record.
 */
public class CheckpointMismatchException extends RuntimeException {

    public CheckpointMismatchException(String sessionId, long expectedBatch, long recordedBatch) {
        super("session '" + sessionId + "': expected the destination's last batch to be " + expectedBatch + " but it is "
                + recordedBatch + "; the session restarts from the destination's checkpoint");
    }
}
