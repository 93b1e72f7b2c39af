package io.bambus.grid.timeline;

import java.io.Serializable;

/**
 * One thing that happened to the bus: a member joined or left, a session started, stopped,
 * failed, recovered, or an operator changed it. {@code member} is an address, {@code session}
 * may be null, {@code actor} is the operator for commands ("bus" otherwise).
 */
public record TimelineEntry(long millis, Kind kind, String member, String session, String actor, String detail)
        implements Serializable {

    public enum Kind {
        MEMBER_JOINED, MEMBER_LEAVING, MEMBER_LEFT, SESSION_STARTED, SESSION_STOPPED, SESSION_FAILING, SESSION_RECOVERED,
        OPERATOR, SPLIT, MERGED, SESSION_MOVED
    }
}
