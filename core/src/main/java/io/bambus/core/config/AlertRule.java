package io.bambus.core.config;

import java.time.Duration;

/**
 * One stalled-activity rule from the bus file: an instance of {@code activity} that reached its
 * start (begun, or the milestone {@code milestone}) more than {@code within} ago and still lacks
 * its expected point (completion, or the milestone {@code without}) is stalled.
 *
 * @param milestone the start item, or null for "begun" (the instance's earliest event)
 * @param without   the expected milestone, or null for "End" (the instance completed)
 */
public record AlertRule(String name, String activity, String milestone, String without, Duration within) {

    /** How a rule writes completion as its expected point. */
    public static final String END = "End";

    public boolean fromBegin() {
        return milestone == null;
    }

    public boolean untilEnd() {
        return without == null;
    }

    /** The rule in words, for logs, the webhook and the UI: "begun without End within 2h". */
    public String condition() {
        return (fromBegin() ? "begun" : "milestone " + milestone) + " without " + (untilEnd() ? END : without) + " within "
                + Durations.text(within);
    }
}
