package io.bambus.core.apply;

import io.bambus.core.session.OutboxEvent;

/**
 * An event the applier quarantined instead of applying, and why. {@code instance} is the instance
 * id it resolved to (through a continuation token), whose later events it holds back.
 */
public record FailedEvent(OutboxEvent event, String reason, String instance) {
}
