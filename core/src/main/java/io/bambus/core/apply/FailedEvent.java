package io.bambus.core.apply;

import io.bambus.core.event.OutboxEvent;

/** An event the applier quarantined instead of applying, and why. */
public record FailedEvent(OutboxEvent event, String reason) {
}
