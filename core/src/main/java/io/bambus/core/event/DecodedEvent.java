package io.bambus.core.event;

import io.bambus.core.session.OutboxEvent;
import java.io.Serializable;
import java.time.LocalDateTime;
import java.util.Map;

/**
 * An outbox event whose kind and payload were parsed. {@code fields} holds the payload's top-level
 * values as String, BigDecimal, BigInteger, Boolean or null. When decoding failed,
 * {@code failure} says why and the event goes to the failed-events table with its original bytes.
 */
public record DecodedEvent(OutboxEvent source, EventKind kind, Map<String, Object> fields, String failure)
        implements Serializable {

    public long seq() {
        return source.seq();
    }

    public String activity() {
        return source.activity();
    }

    public String instanceId() {
        return source.instanceId();
    }

    public LocalDateTime eventTime() {
        return source.eventTime();
    }

    public boolean failed() {
        return failure != null;
    }

    public static DecodedEvent failed(OutboxEvent source, String reason) {
        return new DecodedEvent(source, null, Map.of(), reason);
    }
}
