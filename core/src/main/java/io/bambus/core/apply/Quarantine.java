package io.bambus.core.apply;

import io.bambus.core.sql.Identifiers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The events one batch quarantines, in order, and the instances they hold back for the rest of the
 * batch. Rolled back with the savepoint of an attempt that failed ({@link #mark}, {@link #resetTo}).
 */
final class Quarantine {

    /** The failed event an instance waits behind. */
    record Blocker(String sessionId, long seq, String instance) {

        /** The reason of an event held behind this one. */
        String reason(String activity) {
            return "held behind failed event seq " + seq + " of session '" + sessionId + "' on instance '"
                    + Identifiers.shorten(instance, 60) + "' of activity '" + activity
                    + "'; retry or discard that one first (events of an instance apply in order)";
        }
    }

    private final String sessionId;
    private final List<FailedEvent> failed = new ArrayList<>();
    private final Map<List<String>, Blocker> blockers = new HashMap<>();

    Quarantine(String sessionId) {
        this.sessionId = sessionId;
    }

    static String activityKey(String activity) {
        return activity == null ? "" : activity.toLowerCase(Locale.ROOT);
    }

    void add(FailedEvent failure) {
        failed.add(failure);
        blockers.putIfAbsent(key(failure), new Blocker(sessionId, failure.event().seq(), failure.instance()));
    }

    /** The event of this batch that {@code instance} of {@code activity} waits behind, or null. */
    Blocker blocker(String activity, String instance) {
        return blockers.get(List.of(activityKey(activity), instance));
    }

    List<FailedEvent> events() {
        return List.copyOf(failed);
    }

    int mark() {
        return failed.size();
    }

    void resetTo(int mark) {
        while (failed.size() > mark) {
            FailedEvent dropped = failed.remove(failed.size() - 1);
            Blocker blocker = blockers.get(key(dropped));
            if (blocker != null && blocker.seq() == dropped.event().seq()) {
                blockers.remove(key(dropped));
            }
        }
    }

    private static List<String> key(FailedEvent failure) {
        return List.of(activityKey(failure.event().activity()), failure.instance());
    }
}
