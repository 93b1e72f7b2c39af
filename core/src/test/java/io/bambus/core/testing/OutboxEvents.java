package io.bambus.core.testing;

import io.bambus.core.event.DecodedEvent;
import io.bambus.core.event.EventDecoder;
import io.bambus.core.session.OutboxEvent;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

/** Events of one source as the reader would decode them, numbered 1, 2, … in the order added. */
public final class OutboxEvents {

    private final List<DecodedEvent> events = new ArrayList<>();

    /** Adds a raw event of {@code kind} with the JSON {@code payload}; returns its seq. */
    public long add(String kind, String activity, String instanceId, String payload) {
        long seq = events.size() + 1;
        events.add(EventDecoder.decode(new OutboxEvent(seq, kind, activity, instanceId, payload.getBytes(StandardCharsets.UTF_8),
                LocalDateTime.of(2026, 11, 23, 12, 0).plusNanos(seq * 1_000))));
        return seq;
    }

    public long add(String kind, String instanceId, String payload) {
        return add(kind, "PurchaseOrder", instanceId, payload);
    }

    public List<DecodedEvent> all() {
        return List.copyOf(events);
    }

    /** Events {@code from} to {@code to} (1-based seqs, inclusive). */
    public List<DecodedEvent> seqs(int from, int to) {
        return List.copyOf(events.subList(from - 1, to));
    }
}
