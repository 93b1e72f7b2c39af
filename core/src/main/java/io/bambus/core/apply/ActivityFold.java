package io.bambus.core.apply;

import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.activity.ItemDefinition;
import io.bambus.core.activity.ItemType;
import io.bambus.core.event.DecodedEvent;
import io.bambus.core.event.EventStream;
import io.bambus.core.sql.Identifiers;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The event rules of one activity, in memory and nothing else: what BeginActivity, UpdateActivity,
 * AddReference, EnableContinuation and EndActivity do to the instances of a batch, given their state
 * as loaded. {@link ActivityBatch} loads that state under the instances' locks, applies the batch's
 * events here in order, and writes the end state; the rules are tested without a database
 * ({@code ActivityFoldTest}).
 */
final class ActivityFold {

    private static final int MAX_REFERENCE_DATA = 255;

    private final ActivityDefinition definition;
    private final List<ItemDefinition> items;
    /** Continuation token → the instance it continues, as stored; and as it stands after the events so far. */
    private final Map<String, String> storedTokens = new HashMap<>();
    private final Map<String, String> tokens = new HashMap<>();
    /** When each token enabled here was enabled: its row's LastModified, whatever follows. */
    private final Map<String, LocalDateTime> enabledAt = new HashMap<>();
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final Map<List<String>, Reference> references = new LinkedHashMap<>();
    /** Whether some event named an item this definition lacks: the caller may reload definitions. */
    private boolean unknownItem;

    /** One instance's state: loaded, then changed by the events. */
    static final class Instance {
        final String id;
        boolean completedBefore;
        /** Whether the instance has a row in the active table (loaded): only then does its completion delete one. */
        boolean activeBefore;
        boolean completesNow;
        boolean touched;
        boolean mainEnded;
        int openContinuations;
        final Object[] values;
        /** The values as loaded from its active row (null without one): what its aggregations counted. */
        Object[] before;
        LocalDateTime lastModified;
        /** The earliest event time applied to the instance here: BeganAt keeps the least of these. */
        LocalDateTime earliest;

        Instance(String id, int items) {
            this.id = id;
            this.values = new Object[items];
        }

        boolean completed() {
            return completedBefore || completesNow;
        }
    }

    /** A relationship row to write. */
    record Reference(String activityId, String type, String name, String data, String longData, LocalDateTime time) {
    }

    ActivityFold(ActivityDefinition definition) {
        this.definition = definition;
        this.items = definition.items();
    }

    /** The instance {@code id}, as loaded (created empty on first use: it has no row yet). */
    Instance instance(String id) {
        return instances.computeIfAbsent(id, key -> new Instance(key, items.size()));
    }

    /**
     * The instance a row loaded for one of this batch's instances belongs to. The destination's
     * collation compares ids without letter case, accents or trailing spaces, Java exactly: a row
     * stored as "Order-1" comes back for "order-1", and taking it for another instance would write
     * one over the other. Refused instead (the batch splits and quarantines the event with this reason).
     */
    Instance loaded(String storedId) {
        Instance instance = instances.get(storedId);
        if (instance == null) {
            throw new IllegalStateException(collationMismatch(storedId));
        }
        return instance;
    }

    /** {@code storedId}, a row loaded for one of {@code requested}, exactly as requested (see {@link #loaded}). */
    String requested(String storedId, java.util.Collection<String> requested) {
        if (!requested.contains(storedId)) {
            throw new IllegalStateException(collationMismatch(storedId));
        }
        return storedId;
    }

    private String collationMismatch(String storedId) {
        return "activity '" + definition.name() + "' stores instance or token '" + Identifiers.shorten(storedId, 60)
                + "', which the destination takes for an id of this batch that differs only in letter case, accents or"
                + " trailing spaces; write the id exactly as stored, then retry the event";
    }

    /** A stored continuation: {@code token} continues {@code continued}. */
    void storedToken(String token, String continued) {
        storedTokens.put(token, continued);
        tokens.put(token, continued);
    }

    /** The instances stored tokens continue. */
    java.util.Collection<String> continued() {
        return storedTokens.values();
    }

    /** The instance an event for {@code id} applies to now: the one {@code id} continues, or itself. */
    String target(String id) {
        return tokens.getOrDefault(id, id);
    }

    boolean sawUnknownItem() {
        return unknownItem;
    }

    java.util.Collection<Instance> instances() {
        return instances.values();
    }

    java.util.Collection<Reference> references() {
        return references.values();
    }

    /** Stored tokens that no longer continue what they did (ended, or enabled anew for another instance). */
    List<String> tokensRemoved() {
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, String> token : storedTokens.entrySet()) {
            if (!token.getValue().equals(tokens.get(token.getKey()))) {
                removed.add(token.getKey());
            }
        }
        return removed;
    }

    /** Tokens that continue something they did not before: token → instance. */
    List<Map.Entry<String, String>> tokensAdded() {
        List<Map.Entry<String, String>> added = new ArrayList<>();
        for (Map.Entry<String, String> token : tokens.entrySet()) {
            if (!token.getValue().equals(storedTokens.get(token.getKey()))) {
                added.add(token);
            }
        }
        return added;
    }

    LocalDateTime enabledAt(String token) {
        return enabledAt.get(token);
    }

    /**
     * Applies one event to instance {@code target} (the one its id continues, or itself); returns why it
     * cannot apply, or null. A refused event changes nothing.
     */
    String apply(DecodedEvent event, String target) {
        String id = event.instanceId();
        Instance instance = instances.get(target);
        LocalDateTime time = event.eventTime();
        switch (event.kind()) {
            case BEGIN -> {
                if (instance.completed()) {
                    return alreadyCompleted(target, "BeginActivity");
                }
                touch(instance, time);
            }
            case UPDATE -> {
                if (instance.completed()) {
                    return alreadyCompleted(target, "UpdateActivity");
                }
                Object[] converted = new Object[items.size()];
                boolean[] set = new boolean[items.size()];
                for (Map.Entry<String, Object> field : event.fields().entrySet()) {
                    ItemDefinition item = definition.item(field.getKey());
                    if (item == null) {
                        unknownItem = true;
                        return "activity '" + definition.name() + "' has no item '" + Identifiers.shorten(field.getKey(), 60)
                                + "'; deploy a definition that adds it, then retry the event";
                    }
                    int index = items.indexOf(item);
                    try {
                        converted[index] = field.getValue() == null ? null
                                : item.type().convert(definition.name(), item, field.getValue());
                    } catch (ItemType.Refused refused) {
                        return refused.getMessage();
                    }
                    set[index] = true;
                }
                for (int i = 0; i < set.length; i++) {
                    if (set[i]) {
                        instance.values[i] = converted[i];
                    }
                }
                touch(instance, time);
            }
            case ADD_REFERENCE -> {
                String type = field(event, "type", EventStream.MAX_ID_LENGTH);
                String name = field(event, "name", EventStream.MAX_ID_LENGTH);
                String data = field(event, "data", MAX_REFERENCE_DATA);
                Object longData = event.fields().get("longData");
                if (type == null || name == null || data == null) {
                    return "a reference needs 'type' and 'name' of 1 to " + EventStream.MAX_ID_LENGTH
                            + " characters and 'data' of 1 to " + MAX_REFERENCE_DATA + "; longer data belongs in 'longData'";
                }
                if (longData != null && !(longData instanceof String)) {
                    return "a reference's 'longData' must be text";
                }
                references.put(List.of(target, type, name, data),
                        new Reference(target, type, name, data, (String) longData, time));
            }
            case ENABLE_CONTINUATION -> {
                String token = field(event, "token", EventStream.MAX_ID_LENGTH);
                if (token == null) {
                    return "EnableContinuation needs a 'token' of 1 to " + EventStream.MAX_ID_LENGTH + " characters";
                }
                if (instance.completed()) {
                    return alreadyCompleted(target, "EnableContinuation");
                }
                String continued = tokens.get(token);
                if (continued != null && !continued.equals(target)) {
                    return "continuation token '" + Identifiers.shorten(token, 60) + "' already continues instance '" + Identifiers.shorten(continued, 60)
                            + "' of activity '" + definition.name() + "'";
                }
                if (token.equals(target)) {
                    return "an instance cannot be its own continuation token ('" + Identifiers.shorten(token, 60) + "')";
                }
                if (continued == null) {
                    tokens.put(token, target);
                    enabledAt.put(token, time);
                    instance.openContinuations++;
                }
                touch(instance, time);
            }
            case END -> {
                if (tokens.containsKey(id)) {
                    tokens.remove(id);
                    instance.openContinuations--;
                } else if (instance.completed()) {
                    return alreadyCompleted(target, "EndActivity");
                } else {
                    instance.mainEnded = true;
                }
                touch(instance, time);
                if (instance.mainEnded && instance.openContinuations == 0) {
                    instance.completesNow = true;
                }
            }
        }
        return null;
    }

    private static void touch(Instance instance, LocalDateTime time) {
        instance.touched = true;
        instance.lastModified = time;
        if (instance.earliest == null || time.isBefore(instance.earliest)) {
            instance.earliest = time;
        }
    }

    private String alreadyCompleted(String target, String what) {
        return "instance '" + Identifiers.shorten(target, 60) + "' of activity '" + definition.name() + "' is already completed; "
                + what + " cannot change it";
    }

    /** A text field of the event of 1 to {@code maxLength} characters, or null. */
    static String field(DecodedEvent event, String name, int maxLength) {
        Object value = event.fields().get(name);
        if (value instanceof String s && !s.isEmpty() && s.codePointCount(0, s.length()) <= maxLength) {
            return s;
        }
        return null;
    }


}
