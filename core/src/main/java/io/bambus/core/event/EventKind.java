package io.bambus.core.event;

/** What an event does to an activity instance (DESIGN §5). Stored by name in the outbox. */
public enum EventKind {
    BEGIN,
    UPDATE,
    /** Also AddRelatedActivity: a reference of type {@value #RELATED_ACTIVITY_TYPE}. */
    ADD_REFERENCE,
    ENABLE_CONTINUATION,
    END;

    public static final String RELATED_ACTIVITY_TYPE = "Activity";

    /** The kind stored under {@code name}, or null when it is not one. */
    public static EventKind parse(String name) {
        for (EventKind kind : values()) {
            if (kind.name().equals(name)) {
                return kind;
            }
        }
        return null;
    }
}
