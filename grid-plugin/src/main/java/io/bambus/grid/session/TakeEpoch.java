package io.bambus.grid.session;

/**
 * A member starting a session takes the next fencing epoch, above {@code floor} (the destination's
 * recorded epoch when it refused a claim: the record may have been lost with a whole cluster).
 * Returns null when the session is not in a running state.
 */
public final class TakeEpoch extends RecordUpdate {

    private final String ownerUuid;
    private final String ownerAddress;
    private final long floor;

    public TakeEpoch(String ownerUuid, String ownerAddress, long floor) {
        this.ownerUuid = ownerUuid;
        this.ownerAddress = ownerAddress;
        this.floor = floor;
    }

    @Override
    SessionRecord update(SessionRecord current) {
        if (!current.state().runs()) {
            return null;
        }
        return current.withOwner(ownerUuid, ownerAddress, Math.max(current.epoch(), floor) + 1);
    }
}
