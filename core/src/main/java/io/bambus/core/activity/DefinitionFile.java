package io.bambus.core.activity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.bambus.core.sql.Identifiers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads and validates activity definition files:
 *
 * <pre>
 * activities:
 *   - name: PurchaseOrder
 *     items:
 *       - { name: Received, type: milestone }
 *       - { name: Customer, type: text, length: 100 }
 *       - { name: Amount, type: decimal, precision: 18, scale: 2 }
 * </pre>
 *
 * Every problem names the file, the activity, the item and the rule.
 */
public final class DefinitionFile {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ACTIVITY_KEYS = Set.of("name", "items");
    private static final Set<String> ITEM_KEYS = Set.of("name", "type", "length", "precision", "scale");

    private DefinitionFile() {
    }

    public static List<ActivityDefinition> read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new DefinitionException(List.of(file + ": cannot be read (" + e.getMessage() + ")"));
        }
        return parse(file.toString(), text);
    }

    public static List<ActivityDefinition> parse(String fileName, String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new DefinitionException(List.of(fileName + ": is not valid YAML: " + e.getOriginalMessage()));
        }
        List<String> problems = new ArrayList<>();
        List<ActivityDefinition> result = new ArrayList<>();
        if (root == null || !root.isObject() || !root.has("activities")) {
            throw new DefinitionException(List.of(fileName + ": must have a top-level key 'activities' with a list of activities"));
        }
        JsonNode activities = root.get("activities");
        if (!activities.isArray() || activities.isEmpty()) {
            throw new DefinitionException(List.of(fileName + ": 'activities' must be a non-empty list"));
        }
        Set<String> seen = new HashSet<>();
        int index = 0;
        for (JsonNode node : activities) {
            ActivityDefinition activity = activity(fileName, index++, node, problems);
            if (activity != null && !seen.add(activity.name().toLowerCase(Locale.ROOT))) {
                problems.add(fileName + ": activity '" + activity.name() + "' is defined twice; names are case-insensitive");
            } else if (activity != null) {
                result.add(activity);
            }
        }
        if (!problems.isEmpty()) {
            throw new DefinitionException(problems);
        }
        return result;
    }

    private static ActivityDefinition activity(String file, int index, JsonNode node, List<String> problems) {
        String where = file + ": activities[" + index + "]";
        if (!node.isObject()) {
            problems.add(where + ": must be a mapping with 'name' and 'items'");
            return null;
        }
        unknownKeys(where, node, ACTIVITY_KEYS, problems);
        String name = text(node, "name");
        if (name == null) {
            problems.add(where + ": 'name' is missing");
            return null;
        }
        where = file + ": activity '" + Identifiers.printable(name) + "'";
        String problem = Identifiers.problem(name, Identifiers.MAX_ACTIVITY_NAME);
        if (problem != null) {
            problems.add(where + ": name " + problem);
            return null;
        }
        JsonNode items = node.get("items");
        if (items == null || !items.isArray() || items.isEmpty()) {
            problems.add(where + ": 'items' must be a non-empty list of items");
            return null;
        }
        List<ItemDefinition> result = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int itemIndex = 0;
        boolean ok = true;
        for (JsonNode itemNode : items) {
            ItemDefinition item = item(where, itemIndex++, itemNode, problems);
            if (item == null) {
                ok = false;
            } else if (!seen.add(item.name().toLowerCase(Locale.ROOT))) {
                problems.add(where + ", item '" + item.name() + "': defined twice; item names are case-insensitive");
                ok = false;
            } else {
                result.add(item);
            }
        }
        return ok ? new ActivityDefinition(name, result) : null;
    }

    private static ItemDefinition item(String activityWhere, int index, JsonNode node, List<String> problems) {
        String where = activityWhere + ", items[" + index + "]";
        if (!node.isObject()) {
            problems.add(where + ": must be a mapping with 'name' and 'type'");
            return null;
        }
        unknownKeys(where, node, ITEM_KEYS, problems);
        String name = text(node, "name");
        if (name == null) {
            problems.add(where + ": 'name' is missing");
            return null;
        }
        where = activityWhere + ", item '" + Identifiers.printable(name) + "'";
        String problem = Identifiers.problem(name, Identifiers.MAX_ITEM_NAME);
        if (problem != null) {
            problems.add(where + ": name " + problem);
            return null;
        }
        if (Identifiers.isReserved(name)) {
            problems.add(where + ": name is reserved for the activity tables' own columns "
                    + "(RecordID, ActivityID, IsVisible, IsComplete, LastModified, BeganAt); choose another name");
            return null;
        }
        String typeName = text(node, "type");
        ItemType type = typeName == null ? null : ItemType.fromFileName(typeName.toLowerCase(Locale.ROOT));
        if (type == null) {
            problems.add(where + ": 'type' must be one of " + ItemType.allowedNames()
                    + (typeName == null ? " (it is missing)" : " (found '" + Identifiers.printable(typeName) + "')"));
            return null;
        }
        switch (type) {
            case TEXT -> {
                Integer length = integer(node, "length");
                if (length == null || length < 1 || length > ItemDefinition.MAX_TEXT_LENGTH) {
                    problems.add(where + ": a text item needs 'length' between 1 and " + ItemDefinition.MAX_TEXT_LENGTH);
                    return null;
                }
                onlyFor(where, node, "text", problems, "precision", "scale");
                return ItemDefinition.text(name, length);
            }
            case DECIMAL -> {
                Integer precision = node.has("precision") ? integer(node, "precision") : Integer.valueOf(18);
                Integer scale = node.has("scale") ? integer(node, "scale") : Integer.valueOf(4);
                if (precision == null || precision < 1 || precision > ItemDefinition.MAX_DECIMAL_PRECISION) {
                    problems.add(where + ": 'precision' must be between 1 and " + ItemDefinition.MAX_DECIMAL_PRECISION);
                    return null;
                }
                if (scale == null || scale < 0 || scale > precision) {
                    problems.add(where + ": 'scale' must be between 0 and the precision (" + precision + ")");
                    return null;
                }
                onlyFor(where, node, "decimal", problems, "length");
                return ItemDefinition.decimal(name, precision, scale);
            }
            default -> {
                onlyFor(where, node, type.fileName(), problems, "length", "precision", "scale");
                return ItemDefinition.of(name, type);
            }
        }
    }

    private static void onlyFor(String where, JsonNode node, String type, List<String> problems, String... keys) {
        for (String key : keys) {
            if (node.has(key)) {
                problems.add(where + ": '" + key + "' does not apply to a " + type + " item; remove it");
            }
        }
    }

    private static void unknownKeys(String where, JsonNode node, Set<String> allowed, List<String> problems) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!allowed.contains(key)) {
                problems.add(where + ": unknown key '" + Identifiers.printable(key) + "'; allowed keys are " + new java.util.TreeSet<>(allowed));
            }
        }
    }

    private static String text(JsonNode node, String key) {
        JsonNode value = node.get(key);
        return value != null && value.isValueNode() && !value.isNull() ? value.asText() : null;
    }

    private static Integer integer(JsonNode node, String key) {
        JsonNode value = node.get(key);
        return value != null && value.canConvertToInt() && value.isIntegralNumber() ? value.intValue() : null;
    }

    /** The stored form of one definition in the destination's registry: the file format, as JSON. */
    public static String toJson(ActivityDefinition activity) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode activities = root.putArray("activities");
        ObjectNode a = activities.addObject();
        a.put("name", activity.name());
        ArrayNode items = a.putArray("items");
        for (ItemDefinition item : activity.items()) {
            ObjectNode i = items.addObject();
            i.put("name", item.name());
            i.put("type", item.type().fileName());
            if (item.type() == ItemType.TEXT) {
                i.put("length", item.length());
            } else if (item.type() == ItemType.DECIMAL) {
                i.put("precision", item.precision());
                i.put("scale", item.scale());
            }
        }
        return root.toString();
    }

    public static ActivityDefinition fromJson(String origin, String json) {
        return parse(origin, json).get(0);
    }
}
