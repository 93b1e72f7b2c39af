package io.bambus.grid.metrics;

/**
 * Every Prometheus metric the bus serves, its name and help text, once: the members' endpoint
 * ({@link PrometheusEndpoint}) and the management UI's ({@code ui/metrics/BusMetrics}) both build
 * theirs from here, so the two never disagree on a name or its meaning (docs/metrics.md).
 */
public enum Metric {
    SESSION_EVENTS_MOVED("bambus_session_events_moved", "Events applied to the destination, per session (the destination"
            + " checkpoint's total)"),
    SESSION_EVENTS_FAILED("bambus_session_events_failed", "Events quarantined in bam_failed_events, per session (the"
            + " destination checkpoint's total)"),
    SESSION_LAG_EVENTS("bambus_session_lag_events", "Events waiting in the session's source outbox"),
    SESSION_OLDEST_WAITING_SECONDS("bambus_session_oldest_waiting_seconds",
            "Age of the oldest event waiting in the source (0 when none waits)"),
    SESSION_GAP_WAIT_SECONDS("bambus_session_gap_wait_seconds",
            "How long the session has waited for an outbox seq an open application transaction holds (0: none)"),
    SESSION_FAILING("bambus_session_failing", "1 while the session's last attempt failed (it backs off and retries), else 0"),
    SESSION_EPOCH("bambus_session_epoch", "The fencing epoch the session runs under on this member (it rises at every start)"),
    SESSION_RUNNING("bambus_session_running", "1 when the session's state is RUNNING or FAILING (it is run), else 0"),
    SESSION_BATCH_COMMIT_SECONDS("bambus_session_batch_commit_seconds",
            "Time from a batch's read to its destination commit, per session"),
    MEMBERS("bambus_members", "Members in the cluster, as the UI's client sees it"),
    MEMBER_SESSIONS("bambus_member_sessions", "Sessions each member runs"),
    MEMBER_SESSIONS_ASSIGNED("bambus_member_sessions_assigned", "The member's share of the sessions in the placement plan"),
    MEMBER_EVENTS_MOVED("bambus_member_events_moved",
            "Events the member's sessions applied to the destination since the member started"),
    MEMBER_LAG_EVENTS("bambus_member_lag_events", "Events waiting in the sources of the sessions the member runs"),
    MEMBER_HEAP_USED_BYTES("bambus_member_heap_used_bytes", "Heap in use on each member, as it last published"),
    ALERTS_OPEN("bambus_alerts_open",
            "Open stalled-activity alerts (raised, not yet resolved), per rule and activity, from bam_alerts");

    private final String id;
    private final String help;

    Metric(String id, String help) {
        this.id = id;
        this.help = help;
    }

    /** The name Prometheus scrapes. */
    public String id() {
        return id;
    }

    public String help() {
        return help;
    }
}
