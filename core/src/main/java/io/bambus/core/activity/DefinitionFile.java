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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads, validates and writes activity definition files:
 *
 * <pre>
 * naming: bambus                 # or biztalk: BizTalk BAM's table and view names (see Naming)
 * activities:
 *   - name: PurchaseOrder
 *     bamName: "Purchase Order"  # optional: the BAM name it was imported from
 *     items:
 *       - { name: Received, type: milestone }
 *       - { name: Customer, type: text, length: 100 }
 *       - { name: Amount, type: decimal, precision: 18, scale: 2 }
 *     indexes:
 *       - { name: ByCustomer, items: [Customer] }
 * </pre>
 *
 * Every problem names the file, the activity, the item and the rule.
 */
public final class DefinitionFile {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FILE_KEYS = Set.of("naming", "activities");
    private static final Set<String> ACTIVITY_KEYS = Set.of("name", "bamName", "items", "indexes", "views");
    private static final Set<String> VIEW_KEYS = Set.of("name", "bamName", "aliases", "durations", "aggregations");
    private static final Set<String> ALIAS_KEYS = Set.of("name", "items");
    private static final Set<String> DURATION_KEYS = Set.of("name", "from", "to", "resolution");
    /** Columns every activity view has besides its aliases and durations. */
    private static final Set<String> VIEW_OWN_COLUMNS = Set.of("activityid", "lastmodified");
    private static final Set<String> ITEM_KEYS = Set.of("name", "bamName", "type", "length", "precision", "scale");
    private static final Set<String> INDEX_KEYS = Set.of("name", "bamName", "items");
    /** Index names the activity tables use themselves. */
    private static final Set<String> RESERVED_INDEXES = Set.of("primary", "ux_activity_id", "ix_last_modified", "ix_began");
    /** Prefix of the indexes alert rules add to active tables. */
    private static final String ALERT_INDEX_PREFIX = "ix_alert_";
    /** Longest BAM name kept: BAM allows 100 characters; more is not a BAM name. */
    private static final int MAX_BAM_NAME = 200;

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
        unknownKeys(fileName, root, FILE_KEYS, problems);
        Naming naming = Naming.BAMBUS;
        if (root.has("naming")) {
            String namingName = text(root, "naming");
            naming = namingName == null ? null : Naming.fromFileName(namingName.toLowerCase(Locale.ROOT));
            if (naming == null) {
                throw new DefinitionException(List.of(fileName + ": 'naming' must be bambus (bam_X_active, …) or biztalk"
                        + " (BizTalk BAM's bam_X_Active, …), found '" + Identifiers.printable(String.valueOf(namingName)) + "'"));
            }
        }
        Set<String> seen = new HashSet<>();
        Map<String, String> viewObjects = new java.util.HashMap<>();
        int index = 0;
        for (JsonNode node : activities) {
            ActivityDefinition activity = activity(fileName, index++, node, naming, problems);
            if (activity != null && !seen.add(activity.name().toLowerCase(Locale.ROOT))) {
                problems.add(fileName + ": activity '" + activity.name() + "' is defined twice; names are case-insensitive");
            } else if (activity != null) {
                result.add(activity);
                for (String object : activity.objectNames()) {
                    String other = viewObjects.putIfAbsent(object.toLowerCase(Locale.ROOT), activity.name());
                    if (other != null) {
                        problems.add(fileName + ": activity '" + activity.name() + "': its view makes " + object + ", which a view"
                                + " of activity '" + other + "' makes too; rename one of the views");
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new DefinitionException(problems);
        }
        return result;
    }

    private static ActivityDefinition activity(String file, int index, JsonNode node, Naming naming, List<String> problems) {
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
        String problem = Identifiers.problem(name, naming.maxActivityName());
        if (problem != null) {
            problems.add(where + ": name " + problem + (naming == Naming.BIZTALK && name.length() > naming.maxActivityName()
                    ? " with naming: biztalk (bam_<name>_CompletedRelationships must fit MySQL's 64 characters)" : ""));
            return null;
        }
        String bamName = bamName(where, node, problems);
        JsonNode items = node.get("items");
        if (items == null || !items.isArray() || items.isEmpty()) {
            problems.add(where + ": 'items' must be a non-empty list of items");
            return null;
        }
        List<ItemDefinition> result = new ArrayList<>();
        Map<String, String> itemBamNames = new LinkedHashMap<>();
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
                String itemBamName = bamName(where + ", item '" + item.name() + "'", itemNode, problems);
                if (itemBamName != null) {
                    itemBamNames.put(item.name(), itemBamName);
                }
            }
        }
        if (!ok) {
            return null;
        }
        ActivityDefinition plain = new ActivityDefinition(name, result);
        List<IndexDefinition> indexes = indexes(where, node.get("indexes"), plain, problems);
        List<ViewDefinition> views = views(where, node.get("views"), plain, naming, problems);
        return indexes == null || views == null ? null
                : new ActivityDefinition(name, result, naming, indexes, bamName, itemBamNames, views);
    }

    /** The activity's views (BizTalk BAM's ActivityView): aliases over its items, durations between two aliases. */
    private static List<ViewDefinition> views(String activityWhere, JsonNode node, ActivityDefinition activity, Naming naming,
                                              List<String> problems) {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add(activityWhere + ": 'views' must be a list of { name, aliases: [...], durations: [...] }");
            return null;
        }
        List<ViewDefinition> result = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int position = 0;
        int aggregationCount = 0;
        boolean ok = true;
        for (JsonNode viewNode : node) {
            String where = activityWhere + ", views[" + position++ + "]";
            if (!viewNode.isObject()) {
                problems.add(where + ": must be a mapping with 'name' and 'aliases'");
                ok = false;
                continue;
            }
            unknownKeys(where, viewNode, VIEW_KEYS, problems);
            String name = text(viewNode, "name");
            if (name == null) {
                problems.add(where + ": 'name' is missing");
                ok = false;
                continue;
            }
            where = activityWhere + ", view '" + Identifiers.printable(name) + "'";
            // bam_<view>_<activity>_<longest variant suffix> must fit MySQL's 64 characters
            int longest = new ViewDefinition(name, List.of(), List.of(), null)
                    .objectName(activity.name(), naming, ViewDefinition.Variant.COMPLETED).length();
            String problem = Identifiers.problem(name, Identifiers.MAX_ITEM_NAME);
            if (problem != null || longest > 64) {
                problems.add(where + ": name " + (problem != null ? problem : "is too long: "
                        + new ViewDefinition(name, List.of(), List.of(), null).objectName(activity.name(), naming,
                        ViewDefinition.Variant.COMPLETED) + " would be " + longest + " characters, MySQL allows 64; shorten the"
                        + " view's name to at most " + (name.length() - (longest - 64)) + " characters"));
                ok = false;
                continue;
            }
            if (!seen.add(name.toLowerCase(Locale.ROOT))) {
                problems.add(where + ": defined twice; view names are case-insensitive");
                ok = false;
                continue;
            }
            List<ViewDefinition.Alias> aliases = aliases(where, viewNode.get("aliases"), activity, problems);
            List<ViewDefinition.Duration> durations = aliases == null ? null
                    : durations(where, viewNode.get("durations"), activity, aliases, problems);
            if (aliases == null || durations == null) {
                ok = false;
                continue;
            }
            ViewDefinition view = new ViewDefinition(name, aliases, durations, bamName(where, viewNode, problems));
            List<AggregationDefinition> aggregations = new ArrayList<>();
            JsonNode aggregationsNode = viewNode.get("aggregations");
            if (aggregationsNode != null && !aggregationsNode.isArray()) {
                problems.add(where + ": 'aggregations' must be a list of real-time aggregations");
                ok = false;
            } else if (aggregationsNode != null) {
                int at = 0;
                for (JsonNode aggregationNode : aggregationsNode) {
                    AggregationDefinition aggregation = AggregationDefinition.parse(where + ", aggregations[" + at++ + "]",
                            aggregationNode, view, activity, problems);
                    if (aggregation != null && aggregation.tableName(naming, view).length() > 64) {
                        problems.add(where + ", aggregation '" + aggregation.name() + "': its table "
                                + aggregation.tableName(naming, view) + " would be " + aggregation.tableName(naming, view).length()
                                + " characters, MySQL allows 64; shorten the view's or the aggregation's name");
                        aggregation = null;
                    }
                    if (aggregation == null) {
                        ok = false;
                    } else {
                        aggregations.add(aggregation);
                    }
                }
            }
            aggregationCount += aggregations.size();
            result.add(new ViewDefinition(view.name(), aliases, durations, view.bamName(), aggregations));
        }
        if (aggregationCount > 1) {
            problems.add(activityWhere + ": has " + aggregationCount + " real-time aggregations; BizTalk allows one per activity,"
                    + " and so does the bus (every one is kept in the activity's own transactions): merge them into one");
            ok = false;
        }
        return ok ? result : null;
    }

    private static List<ViewDefinition.Alias> aliases(String viewWhere, JsonNode node, ActivityDefinition activity,
                                                      List<String> problems) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            problems.add(viewWhere + ": 'aliases' must be a non-empty list of { name, items: [item, …] }");
            return null;
        }
        List<ViewDefinition.Alias> result = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int position = 0;
        boolean ok = true;
        for (JsonNode aliasNode : node) {
            String where = viewWhere + ", aliases[" + position++ + "]";
            String name = aliasNode.isObject() ? text(aliasNode, "name") : null;
            if (name == null) {
                problems.add(where + ": must be a mapping with 'name' and 'items'");
                ok = false;
                continue;
            }
            unknownKeys(where, aliasNode, ALIAS_KEYS, problems);
            where = viewWhere + ", alias '" + Identifiers.printable(name) + "'";
            String problem = columnProblem(name, seen);
            if (problem != null) {
                problems.add(where + ": name " + problem);
                ok = false;
                continue;
            }
            JsonNode itemsNode = aliasNode.get("items");
            if (itemsNode == null || !itemsNode.isArray() || itemsNode.isEmpty()) {
                problems.add(where + ": 'items' must list the item (or items: the first with a value shows) it names");
                ok = false;
                continue;
            }
            List<String> items = new ArrayList<>();
            ItemType type = null;
            for (JsonNode itemNode : itemsNode) {
                String itemName = itemNode.isTextual() ? itemNode.asText() : null;
                ItemDefinition item = itemName == null ? null : activity.item(itemName);
                if (item == null) {
                    problems.add(where + ": names " + (itemName == null ? "a non-text entry" : "item '"
                            + Identifiers.printable(itemName) + "'") + ", which the activity does not have; its items are "
                            + activity.items().stream().map(ItemDefinition::name).toList());
                    ok = false;
                } else if (items.stream().anyMatch(i -> i.equalsIgnoreCase(item.name()))) {
                    problems.add(where + ": names item '" + item.name() + "' twice");
                    ok = false;
                } else if (type != null && !activity.item(items.get(0)).sqlType().equals(item.sqlType())) {
                    ItemDefinition first = activity.item(items.get(0));
                    problems.add(where + ": item '" + item.name() + "' is " + item.describe() + " and '" + first.name()
                            + "' is " + first.describe() + "; the items of one alias must be of one type and size");
                    ok = false;
                } else {
                    type = item.type();
                    items.add(item.name());
                }
            }
            if (ok) {
                result.add(new ViewDefinition.Alias(name, items));
            }
        }
        return ok ? result : null;
    }

    private static List<ViewDefinition.Duration> durations(String viewWhere, JsonNode node, ActivityDefinition activity,
                                                           List<ViewDefinition.Alias> aliases, List<String> problems) {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add(viewWhere + ": 'durations' must be a list of { name, from: alias, to: alias, resolution }");
            return null;
        }
        Set<String> seen = new HashSet<>();
        aliases.forEach(alias -> seen.add(alias.name().toLowerCase(Locale.ROOT)));
        List<ViewDefinition.Duration> result = new ArrayList<>();
        int position = 0;
        boolean ok = true;
        for (JsonNode durationNode : node) {
            String where = viewWhere + ", durations[" + position++ + "]";
            String name = durationNode.isObject() ? text(durationNode, "name") : null;
            if (name == null) {
                problems.add(where + ": must be a mapping with 'name', 'from', 'to' and 'resolution'");
                ok = false;
                continue;
            }
            unknownKeys(where, durationNode, DURATION_KEYS, problems);
            where = viewWhere + ", duration '" + Identifiers.printable(name) + "'";
            String problem = columnProblem(name, seen);
            if (problem != null) {
                problems.add(where + ": name " + problem);
                ok = false;
                continue;
            }
            String[] ends = {text(durationNode, "from"), text(durationNode, "to")};
            String[] aliasNames = new String[2];
            for (int end = 0; end < 2; end++) {
                String key = end == 0 ? "from" : "to";
                String wanted = ends[end];
                ViewDefinition.Alias alias = wanted == null ? null : aliases.stream()
                        .filter(a -> a.name().equalsIgnoreCase(wanted)).findFirst().orElse(null);
                if (alias == null) {
                    problems.add(where + ": '" + key + "' must name one of the view's aliases " + aliases.stream()
                            .map(ViewDefinition.Alias::name).toList() + (ends[end] == null ? " (it is missing)"
                            : " (found '" + Identifiers.printable(ends[end]) + "')"));
                    ok = false;
                } else if (!activity.item(alias.items().get(0)).type().holdsTime()) {
                    problems.add(where + ": '" + key + "' names alias '" + alias.name() + "', which holds "
                            + activity.item(alias.items().get(0)).type().fileName() + " items; a duration runs between two"
                            + " aliases of milestone or timestamp items");
                    ok = false;
                } else {
                    aliasNames[end] = alias.name();
                }
            }
            String resolutionName = text(durationNode, "resolution");
            ViewDefinition.Resolution resolution = resolutionName == null ? null : ViewDefinition.Resolution.of(resolutionName);
            if (resolution == null) {
                problems.add(where + ": 'resolution' must be one of " + java.util.Arrays.stream(ViewDefinition.Resolution.values())
                        .map(ViewDefinition.Resolution::fileName).toList() + (resolutionName == null ? " (it is missing)"
                        : " (found '" + Identifiers.printable(resolutionName) + "')"));
                ok = false;
            }
            if (ok) {
                result.add(new ViewDefinition.Duration(name, aliasNames[0], aliasNames[1], resolution));
            }
        }
        return ok ? result : null;
    }

    /** Why {@code name} cannot be a column of an activity view, or null; adds it to {@code seen}. */
    private static String columnProblem(String name, Set<String> seen) {
        String problem = Identifiers.problem(name, Identifiers.MAX_ITEM_NAME);
        if (problem != null) {
            return problem;
        }
        if (VIEW_OWN_COLUMNS.contains(name.toLowerCase(Locale.ROOT))) {
            return "is one of the view's own columns (ActivityID, LastModified); choose another";
        }
        if (!seen.add(name.toLowerCase(Locale.ROOT))) {
            return "is used twice in the view (aliases and durations share the view's columns, case-insensitive)";
        }
        return null;
    }

    private static List<IndexDefinition> indexes(String activityWhere, JsonNode node, ActivityDefinition activity,
                                                 List<String> problems) {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add(activityWhere + ": 'indexes' must be a list of { name, items: [item, …] }");
            return null;
        }
        List<IndexDefinition> result = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int position = 0;
        boolean ok = true;
        for (JsonNode indexNode : node) {
            String where = activityWhere + ", indexes[" + position++ + "]";
            if (!indexNode.isObject()) {
                problems.add(where + ": must be a mapping with 'name' and 'items'");
                ok = false;
                continue;
            }
            unknownKeys(where, indexNode, INDEX_KEYS, problems);
            String name = text(indexNode, "name");
            if (name == null) {
                problems.add(where + ": 'name' is missing");
                ok = false;
                continue;
            }
            where = activityWhere + ", index '" + Identifiers.printable(name) + "'";
            String problem = Identifiers.problem(name, IndexDefinition.MAX_NAME);
            if (problem != null || RESERVED_INDEXES.contains(name.toLowerCase(Locale.ROOT))
                    || name.toLowerCase(Locale.ROOT).startsWith(ALERT_INDEX_PREFIX)) {
                problems.add(where + ": name " + (problem != null ? problem
                        : "is one the bus uses itself (PRIMARY, ux_activity_id, ix_last_modified, ix_began, ix_alert_…);"
                        + " choose another"));
                ok = false;
                continue;
            }
            if (!seen.add(name.toLowerCase(Locale.ROOT))) {
                problems.add(where + ": defined twice; index names are case-insensitive");
                ok = false;
                continue;
            }
            JsonNode itemsNode = indexNode.get("items");
            if (itemsNode == null || !itemsNode.isArray() || itemsNode.isEmpty() || itemsNode.size() > IndexDefinition.MAX_ITEMS) {
                problems.add(where + ": 'items' must list 1 to " + IndexDefinition.MAX_ITEMS + " item names");
                ok = false;
                continue;
            }
            List<String> items = new ArrayList<>();
            Set<String> inIndex = new HashSet<>();
            int keyBytes = 0;
            for (JsonNode itemNode : itemsNode) {
                String itemName = itemNode.isTextual() ? itemNode.asText() : null;
                ItemDefinition item = itemName == null ? null : activity.item(itemName);
                if (item == null) {
                    problems.add(where + ": names " + (itemName == null ? "a non-text entry" : "item '" + Identifiers.printable(itemName) + "'")
                            + ", which the activity does not have; its items are "
                            + activity.items().stream().map(ItemDefinition::name).toList());
                    ok = false;
                } else if (!inIndex.add(item.name().toLowerCase(Locale.ROOT))) {
                    problems.add(where + ": names item '" + item.name() + "' twice");
                    ok = false;
                } else {
                    items.add(item.name());
                    keyBytes += keyBytes(item);
                }
            }
            if (keyBytes > IndexDefinition.MAX_KEY_BYTES) {
                problems.add(where + ": its key is up to " + keyBytes + " bytes (text takes 4 bytes a character), MySQL's limit is "
                        + IndexDefinition.MAX_KEY_BYTES + "; index fewer or shorter text items");
                ok = false;
            }
            if (ok) {
                result.add(new IndexDefinition(name, items, bamName(where, indexNode, problems)));
            }
        }
        return ok ? result : null;
    }

    /** The most bytes {@code item} takes in an index key (utf8mb4 text: 4 a character). */
    private static int keyBytes(ItemDefinition item) {
        return item.type().keyBytes(item);
    }

    private static String bamName(String where, JsonNode node, List<String> problems) {
        if (!node.has("bamName")) {
            return null;
        }
        String bamName = text(node, "bamName");
        if (bamName == null || bamName.isEmpty() || bamName.length() > MAX_BAM_NAME) {
            problems.add(where + ": 'bamName' must be text of 1 to " + MAX_BAM_NAME + " characters (the BizTalk BAM name)");
            return null;
        }
        return bamName;
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
        Map<String, Integer> attributes = new java.util.HashMap<>();
        for (String key : ItemType.ALL_ATTRIBUTES) {
            if (!node.has(key)) {
                continue;
            }
            if (!type.fileAttributes().contains(key)) {
                problems.add(where + ": '" + key + "' does not apply to a " + type.fileName() + " item; remove it");
            } else {
                attributes.put(key, integer(node, key)); // null when not a whole number: the type says what it needs
            }
        }
        return type.define(where, name, attributes, problems);
    }

    static void unknownKeys(String where, JsonNode node, Set<String> allowed, List<String> problems) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!allowed.contains(key)) {
                problems.add(where + ": unknown key '" + Identifiers.printable(key) + "'; allowed keys are " + new java.util.TreeSet<>(allowed));
            }
        }
    }

    static String text(JsonNode node, String key) {
        JsonNode value = node.get(key);
        return value != null && value.isValueNode() && !value.isNull() ? value.asText() : null;
    }

    private static Integer integer(JsonNode node, String key) {
        JsonNode value = node.get(key);
        return value != null && value.canConvertToInt() && value.isIntegralNumber() ? value.intValue() : null;
    }

    /**
     * The stored form of one definition in the destination's registry: the file format, as JSON.
     * Naming, BAM names and indexes appear only when set, so older records read the same.
     */
    public static String toJson(ActivityDefinition activity) {
        ObjectNode root = JSON.createObjectNode();
        if (activity.naming() != Naming.BAMBUS) {
            root.put("naming", activity.naming().fileName());
        }
        ArrayNode activities = root.putArray("activities");
        ObjectNode a = activities.addObject();
        a.put("name", activity.name());
        if (activity.bamName() != null) {
            a.put("bamName", activity.bamName());
        }
        ArrayNode items = a.putArray("items");
        for (ItemDefinition item : activity.items()) {
            ObjectNode i = items.addObject();
            i.put("name", item.name());
            String itemBamName = activity.itemBamName(item.name());
            if (itemBamName != null) {
                i.put("bamName", itemBamName);
            }
            i.put("type", item.type().fileName());
            item.type().attributes(item).forEach(i::put);
        }
        if (!activity.indexes().isEmpty()) {
            ArrayNode indexes = a.putArray("indexes");
            for (IndexDefinition index : activity.indexes()) {
                ObjectNode x = indexes.addObject();
                x.put("name", index.name());
                if (index.bamName() != null) {
                    x.put("bamName", index.bamName());
                }
                ArrayNode indexItems = x.putArray("items");
                index.items().forEach(indexItems::add);
            }
        }
        if (!activity.views().isEmpty()) {
            ArrayNode views = a.putArray("views");
            for (ViewDefinition view : activity.views()) {
                ObjectNode v = views.addObject();
                v.put("name", view.name());
                if (view.bamName() != null) {
                    v.put("bamName", view.bamName());
                }
                ArrayNode aliases = v.putArray("aliases");
                for (ViewDefinition.Alias alias : view.aliases()) {
                    ObjectNode al = aliases.addObject();
                    al.put("name", alias.name());
                    alias.items().forEach(al.putArray("items")::add);
                }
                if (!view.durations().isEmpty()) {
                    ArrayNode durations = v.putArray("durations");
                    for (ViewDefinition.Duration duration : view.durations()) {
                        durations.addObject().put("name", duration.name()).put("from", duration.from()).put("to", duration.to())
                                .put("resolution", duration.resolution().fileName());
                    }
                }
                if (!view.aggregations().isEmpty()) {
                    ArrayNode aggregations = v.putArray("aggregations");
                    view.aggregations().forEach(aggregation -> aggregations.add(aggregationJson(aggregation)));
                }
            }
        }
        return root.toString();
    }

    /** An aggregation in the file's form (what {@link AggregationDefinition#parse} reads). */
    private static ObjectNode aggregationJson(AggregationDefinition aggregation) {
        ObjectNode node = JSON.createObjectNode();
        node.put("name", aggregation.name());
        ObjectNode time = node.putObject("time");
        time.put("alias", aggregation.time().alias());
        aggregation.time().levels().forEach(level -> time.withArray("levels").add(level.name().toLowerCase(Locale.ROOT)));
        if (!aggregation.dimensions().isEmpty()) {
            ArrayNode dimensions = node.putArray("dimensions");
            for (AggregationDefinition.Dimension dimension : aggregation.dimensions()) {
                ObjectNode d = dimensions.addObject().put("name", dimension.name());
                if (dimension.isData()) {
                    dimension.levels().forEach(d.putArray("levels")::add);
                } else if (dimension.isRange()) {
                    d.put("alias", dimension.alias());
                    ArrayNode ranges = d.putArray("ranges");
                    for (AggregationDefinition.Range range : dimension.ranges()) {
                        ObjectNode r = ranges.addObject().put("name", range.name());
                        if (range.below() != null) {
                            r.put("below", range.below());
                        }
                    }
                } else {
                    ArrayNode stages = d.putArray("stages");
                    dimension.stages().forEach(stage -> stages.addObject().put("name", stage.name()).put("alias", stage.alias()));
                }
            }
        }
        ArrayNode measures = node.putArray("measures");
        for (AggregationDefinition.Measure measure : aggregation.measures()) {
            ObjectNode m = measures.addObject().put("name", measure.name()).put("function", measure.function().fileName());
            if (measure.of() != null) {
                m.put("of", measure.of());
            }
        }
        node.put("window", aggregation.window().toMinutes() + "m");
        node.put("slice", aggregation.slice().toMinutes() + "m");
        return node;
    }

    /**
     * {@code activities} (all of one naming) as a definitions file, after {@code header} as a
     * comment block: what {@link #parse} reads back as the same definitions.
     */
    public static String toYaml(List<ActivityDefinition> activities, List<String> header) {
        StringBuilder yaml = new StringBuilder();
        for (String line : header) {
            // escaped: a line or paragraph separator in a BAM name must not end the comment and start YAML
            yaml.append(line.isEmpty() ? "#" : "# " + io.bambus.core.sql.Identifiers.escaped(line, 10_000)).append('\n');
        }
        Naming naming = activities.isEmpty() ? Naming.BAMBUS : activities.get(0).naming();
        yaml.append("naming: ").append(naming.fileName()).append("\n");
        yaml.append("activities:\n");
        for (ActivityDefinition activity : activities) {
            yaml.append("  - name: ").append(activity.name()).append('\n');
            if (activity.bamName() != null) {
                yaml.append("    bamName: ").append(quoted(activity.bamName())).append('\n');
            }
            yaml.append("    items:\n");
            for (ItemDefinition item : activity.items()) {
                yaml.append("      - { name: ").append(item.name());
                String itemBamName = activity.itemBamName(item.name());
                if (itemBamName != null) {
                    yaml.append(", bamName: ").append(quoted(itemBamName));
                }
                yaml.append(", type: ").append(item.type().fileName());
                item.type().attributes(item).forEach((key, value) -> yaml.append(", ").append(key).append(": ").append(value));
                yaml.append(" }\n");
            }
            if (!activity.indexes().isEmpty()) {
                yaml.append("    indexes:\n");
                for (IndexDefinition index : activity.indexes()) {
                    yaml.append("      - { name: ").append(index.name());
                    if (index.bamName() != null) {
                        yaml.append(", bamName: ").append(quoted(index.bamName()));
                    }
                    yaml.append(", items: [").append(String.join(", ", index.items())).append("] }\n");
                }
            }
            if (!activity.views().isEmpty()) {
                yaml.append("    views:\n");
                for (ViewDefinition view : activity.views()) {
                    yaml.append("      - name: ").append(view.name()).append('\n');
                    if (view.bamName() != null) {
                        yaml.append("        bamName: ").append(quoted(view.bamName())).append('\n');
                    }
                    yaml.append("        aliases:\n");
                    for (ViewDefinition.Alias alias : view.aliases()) {
                        yaml.append("          - { name: ").append(alias.name()).append(", items: [")
                                .append(String.join(", ", alias.items())).append("] }\n");
                    }
                    if (!view.aggregations().isEmpty()) {
                        yaml.append("        aggregations:\n");
                        for (AggregationDefinition aggregation : view.aggregations()) {
                            yaml.append("          - ").append(aggregationJson(aggregation)).append('\n'); // JSON is YAML
                        }
                    }
                    if (!view.durations().isEmpty()) {
                        yaml.append("        durations:\n");
                        for (ViewDefinition.Duration duration : view.durations()) {
                            yaml.append("          - { name: ").append(duration.name()).append(", from: ").append(duration.from())
                                    .append(", to: ").append(duration.to()).append(", resolution: ")
                                    .append(duration.resolution().fileName()).append(" }\n");
                        }
                    }
                }
            }
        }
        return yaml.toString();
    }

    /** A YAML double-quoted scalar: JSON's string syntax is a subset of it. */
    private static String quoted(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ActivityDefinition fromJson(String origin, String json) {
        return parse(origin, json).get(0);
    }
}
