package io.bambus.core.session;

import java.io.Serializable;
import java.time.LocalDateTime;

/**
 * One row of a source's outbox, as read: nothing in it is trusted yet. {@code eventTime} is UTC.
 */
public record OutboxEvent(long seq, String kind, String activity, String instanceId, byte[] payload,
                          LocalDateTime eventTime) implements Serializable {
}
