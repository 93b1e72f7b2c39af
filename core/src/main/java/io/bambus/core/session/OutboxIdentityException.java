package io.bambus.core.session;

/**
 * The outbox a session's source names now is not the one its checkpoint came from (another database,
 * a restored or failed-over source that had not seen the last inserts, an outbox whose seqs went
 * back). Nothing was changed in either database; the session waits in FAILING until an operator
 * decides: point the source back at the right database, or adopt this outbox deliberately.
 */
public class OutboxIdentityException extends RuntimeException {

    public OutboxIdentityException(String sessionId, String cause) {
        super("session '" + sessionId + "': " + cause + "; nothing was marked or applied. Point the source back at the"
                + " database its checkpoint came from, or, if this outbox is meant to continue the session (its events"
                + " start afresh), run 'bambus sessions adopt-outbox " + sessionId + "'");
    }
}
