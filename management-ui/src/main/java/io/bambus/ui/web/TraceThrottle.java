package io.bambus.ui.web;

import java.util.HashMap;
import java.util.Map;

/**
 * Whether a stack trace of one kind is due again: at most one per kind and interval, so that a
 * request that keeps failing the same way (anyone can send one, before logging in) cannot fill the
 * log. Kinds are exception class names, a small set; the map is cleared past 1,000 of them.
 */
final class TraceThrottle {

    private final long intervalMillis;
    private final Map<String, Long> last = new HashMap<>();

    TraceThrottle(long intervalMillis) {
        this.intervalMillis = intervalMillis;
    }

    synchronized boolean due(String kind, long nowMillis) {
        Long at = last.get(kind);
        if (at != null && nowMillis - at < intervalMillis) {
            return false;
        }
        if (last.size() >= 1_000) {
            last.clear();
        }
        last.put(kind, nowMillis);
        return true;
    }
}
