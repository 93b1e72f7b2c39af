package io.bambus.grid.status;

import java.io.Serializable;
import java.util.List;

/**
 * What a member publishes about itself every {@link #PUBLISH_MILLIS} ms into the map
 * {@value #MAP} for the management UI and CLI (clients cannot read a member's JVM). An entry
 * expires {@link #TTL_SECONDS} s after its last publish, so a killed member's entry goes too.
 * {@code sources} are the source ids of the configuration the member runs with (the CLI's
 * {@code sources add|remove} waits until every member shows its change). {@code sessionsAssigned} is
 * the member's share in the placement plan, {@code eventsPerSecond} and {@code lagEvents} its load;
 * {@code deciding} marks the member that decides placement, {@code balancing} whether automatic
 * balancing is on. The deciding member reads {@code sources} and {@code runsSessions} (false while
 * the member's sessions' job does not run) to keep sessions off members that cannot run them;
 * the alerts duty reads {@code alertRules} (the rule names of its bus file) so that it retires a
 * rule only when no member has it.
 */
public record MemberStatus(String uuid, String address, long startedMillis, long heapUsedBytes, long heapMaxBytes,
                           int sessionsRunning, String configError, List<String> sources, long updatedMillis,
                           int sessionsAssigned, double eventsPerSecond, long lagEvents, boolean deciding,
                           boolean balancing, boolean runsSessions, List<String> alertRules)
        implements Serializable {

    public static final String MAP = "eventbus.members";
    public static final long PUBLISH_MILLIS = 2_000;
    public static final int TTL_SECONDS = 30;
}
