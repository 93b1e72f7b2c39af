package io.bambus.core.event;

import io.bambus.core.session.OutboxEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bambus.core.sql.Identifiers;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses an outbox row's kind and JSON payload. It knows nothing of activity definitions: whether
 * the activity and its items exist is the applier's question.
 */
public final class EventDecoder {

    /** A payload above this is refused before parsing; EventStream never writes one. */
    public static final int MAX_PAYLOAD_BYTES = 1 << 20;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private EventDecoder() {
    }

    public static DecodedEvent decode(OutboxEvent event) {
        EventKind kind = EventKind.parse(event.kind());
        if (kind == null) {
            return DecodedEvent.failed(event, "unknown event kind '" + Identifiers.printable(event.kind())
                    + "'; the kinds are BEGIN, UPDATE, ADD_REFERENCE, ENABLE_CONTINUATION, END");
        }
        if (event.payload() == null) {
            return DecodedEvent.failed(event, "payload is missing; it must be a JSON object");
        }
        if (event.payload().length > MAX_PAYLOAD_BYTES) {
            return DecodedEvent.failed(event, "payload is " + event.payload().length + " bytes, above the limit of "
                    + MAX_PAYLOAD_BYTES);
        }
        JsonNode root;
        try {
            root = JSON.readTree(new String(event.payload(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            return DecodedEvent.failed(event, "payload is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            return DecodedEvent.failed(event, "payload must be a JSON object, found " + (root == null ? "nothing" : root.getNodeType()));
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> entries = root.fields();
        while (entries.hasNext()) {
            Map.Entry<String, JsonNode> entry = entries.next();
            JsonNode value = entry.getValue();
            if (value.isNull()) {
                fields.put(entry.getKey(), null);
            } else if (value.isTextual()) {
                fields.put(entry.getKey(), value.textValue());
            } else if (value.isIntegralNumber()) {
                fields.put(entry.getKey(), value.bigIntegerValue());
            } else if (value.isNumber()) {
                fields.put(entry.getKey(), value.decimalValue());
            } else if (value.isBoolean()) {
                fields.put(entry.getKey(), value.booleanValue());
            } else {
                return DecodedEvent.failed(event, "payload field '" + Identifiers.printable(entry.getKey())
                        + "' holds a JSON " + value.getNodeType() + "; values must be strings, numbers, booleans or null");
            }
        }
        return new DecodedEvent(event, kind, fields, null);
    }
}
