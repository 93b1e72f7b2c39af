package io.bambus.core.biztalk;

import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.activity.AggregationDefinition;
import io.bambus.core.activity.ViewDefinition;
import io.bambus.core.activity.DefinitionException;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.activity.IndexDefinition;
import io.bambus.core.activity.ItemDefinition;
import io.bambus.core.activity.ItemType;
import io.bambus.core.activity.Naming;
import io.bambus.core.sql.Identifiers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Imports a BizTalk BAM definition ({@code BAMDefinition} XML, as bm.exe get-defxml and the BAM
 * Excel add-in export it) as our activity definitions: activities with their checkpoints as
 * items, and their indexes. Names become identifiers by {@link BamNames}'s rule and keep their
 * BAM name. What has no equivalent (views, aliases, durations, cubes, real-time aggregations,
 * alerts, extensions, unknown elements) is listed in {@link Result#notImported()}, never dropped
 * silently. Broken references, duplicates and names that collide once mapped are refused.
 */
public final class BamImport {

    public static final String NAMESPACE = "http://schemas.microsoft.com/BizTalkServer/2004/10/BAM";
    /** BAM's limits (BAMActivityViewAndRtaName, BAMSqlObjectName in the BAM definition schema). */
    static final int MAX_BAM_ACTIVITY_NAME = 48;
    static final int MAX_BAM_NAME = 100;

    /** The imported activities, how names were mapped, and what was not imported. */
    public record Result(List<ActivityDefinition> activities, List<String> renamed, List<String> notImported) {

        /** The report the command prints and writes above the definitions. */
        public List<String> report(String source) {
            List<String> lines = new ArrayList<>();
            lines.add("Imported from the BizTalk BAM definition " + source + " by bambus import-bam.");
            lines.add(activities.size() + " activit" + (activities.size() == 1 ? "y" : "ies") + ": "
                    + activities.stream().map(a -> a.name() + " (" + a.items().size() + " items, " + a.indexes().size() + " index(es)"
                            + (a.views().isEmpty() ? "" : ", view(s) " + a.views().stream().map(v -> v.name()).toList()) + ")").toList());
            if (!renamed.isEmpty()) {
                lines.add("");
                lines.add("Names mapped to identifiers (spaces and other characters to _, accents dropped, long names cut + hash):");
                renamed.forEach(r -> lines.add("  " + r));
            }
            lines.add("");
            if (notImported.isEmpty()) {
                lines.add("Not imported: nothing.");
            } else {
                lines.add("Not imported (no equivalent in bambus):");
                notImported.forEach(n -> lines.add("  " + n));
            }
            return lines;
        }
    }

    private final String file;
    private final Naming naming;
    private final Map<String, String> renames;
    private final List<String> problems = new ArrayList<>();
    private final List<String> renamed = new ArrayList<>();
    private final List<String> notImported = new ArrayList<>();
    /** Every imported checkpoint's ID → its item's name (aliases refer to checkpoints by ID). */
    private final Map<String, String> checkpointItems = new HashMap<>();
    /** The views imported, by the activity element they are over. */
    private final Map<BamXml.Element, List<ViewDefinition>> views = new LinkedHashMap<>();
    private final Map<String, String> viewNames = new HashMap<>();
    /** Each imported alias's and duration's BAM ID → its column name. */
    private final Map<String, String> aliasColumns = new HashMap<>();
    private final Map<BamXml.Element, BamXml.Element> parents = new HashMap<>();
    private final Map<String, BamXml.Element> ids = new HashMap<>();

    private BamImport(String file, Naming naming, Map<String, String> renames) {
        this.file = file;
        this.naming = naming;
        this.renames = renames;
    }

    /** Reads {@code file}; {@code renames} maps BAM names to the identifiers to use instead of the rule's. */
    public static Result read(Path file, Naming naming, Map<String, String> renames) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(file.toString(), in, naming, renames);
        } catch (IOException e) {
            throw new BamImportException(List.of(file + ": cannot be read (" + e.getMessage() + ")"));
        }
    }

    public static Result read(String fileName, InputStream in, Naming naming, Map<String, String> renames) throws IOException {
        BamXml.Element root;
        try {
            root = BamXml.read(fileName, in);
        } catch (BamXml.Unreadable e) {
            throw new BamImportException(List.of(e.getMessage()));
        }
        return new BamImport(fileName, naming, renames).convert(root);
    }

    private String at(BamXml.Element element) {
        return file + " line " + element.line() + ": <" + element.name() + describeName(element) + ">";
    }

    private static String describeName(BamXml.Element element) {
        String name = element.attribute("Name");
        return name == null ? "" : " Name=\"" + Identifiers.printable(name) + "\"";
    }

    private Result convert(BamXml.Element root) {
        if (!root.name().equals("BAMDefinition")) {
            throw new BamImportException(List.of(file + " line " + root.line() + ": is not a BAM definition: its root element is <"
                    + root.name() + ">" + (root.namespace().isEmpty() ? "" : " in namespace " + root.namespace())
                    + "; expected <BAMDefinition xmlns=\"" + NAMESPACE + "\">, as bm.exe get-defxml and the BAM Excel add-in's"
                    + " Export XML write it"));
        }
        if (!root.namespace().equals(NAMESPACE)) {
            throw new BamImportException(List.of(file + " line " + root.line() + ": <BAMDefinition> is in namespace '"
                    + root.namespace() + "'; a BAM definition's is '" + NAMESPACE + "'. Export it again with bm.exe get-defxml,"
                    + " or correct its xmlns"));
        }
        collectIds(root);
        List<BamXml.Element> activityElements = root.children().stream()
                .filter(c -> c.namespace().equals(NAMESPACE) && c.name().equals("Activity")).toList();
        if (activityElements.isEmpty()) {
            problems.add(file + ": <BAMDefinition> has no <Activity>; a BAM definition has at least one");
        }
        List<ActivityDefinition> activities = new ArrayList<>();
        Map<BamXml.Element, Integer> activityAt = new HashMap<>();
        Map<String, String> activityIds = new HashMap<>();
        Map<String, BamXml.Element> seenBamNames = new HashMap<>();
        for (BamXml.Element element : activityElements) {
            ActivityDefinition activity = activity(element, activityIds, seenBamNames);
            if (activity != null) {
                activityAt.put(element, activities.size());
                activities.add(activity);
            }
        }
        // views first: a cube's real-time aggregations are over them, wherever the file puts them
        root.children().stream().filter(c -> c.namespace().equals(NAMESPACE) && c.name().equals("View")).forEach(this::view);
        for (BamXml.Element child : root.children()) {
            if (!child.namespace().equals(NAMESPACE)) {
                notImported.add("<" + child.name() + "> (line " + child.line() + ") in namespace '" + child.namespace()
                        + "': not part of a BAM definition");
                continue;
            }
            switch (child.name()) {
                case "Activity" -> {
                }
                case "View" -> {
                }
                case "Cube" -> cube(child);
                case "Alerts" -> alerts(child);
                case "Extension" -> notImported.add("<Extension> (line " + child.line() + "): tool-specific data");
                default -> notImported.add("<" + child.name() + describeName(child) + "> (line " + child.line()
                        + "): an element this importer does not know");
            }
        }
        for (Map.Entry<BamXml.Element, List<ViewDefinition>> over : views.entrySet()) {
            Integer at = activityAt.get(over.getKey());
            if (at != null) {
                List<ViewDefinition> all = new ArrayList<>(activities.get(at).views());
                all.addAll(over.getValue());
                activities.set(at, activities.get(at).withViews(all));
            }
        }
        if (!problems.isEmpty()) {
            throw new BamImportException(problems);
        }
        // the definitions file's own rules (index key sizes, reserved names…) judge the result too
        try {
            activities = DefinitionFile.parse(file + " (imported)", DefinitionFile.toYaml(activities, List.of()));
        } catch (DefinitionException e) {
            throw new BamImportException(e.problems());
        }
        return new Result(activities, renamed, notImported);
    }

    private void collectIds(BamXml.Element element) {
        String id = element.attribute("ID");
        if (id != null && element.namespace().equals(NAMESPACE)) {
            BamXml.Element other = ids.putIfAbsent(id, element);
            if (other != null) {
                problems.add(at(element) + ": ID '" + Identifiers.printable(id) + "' is also the ID of " + at(other).substring(file.length() + 1)
                        + "; IDs must be unique in a BAM definition: give one a new ID and correct the references to it");
            }
        }
        for (BamXml.Element child : element.children()) {
            parents.put(child, element);
            collectIds(child);
        }
    }

    // ---- activities

    private ActivityDefinition activity(BamXml.Element element, Map<String, String> activityIds,
                                        Map<String, BamXml.Element> seenBamNames) {
        String bamName = bamName(element, MAX_BAM_ACTIVITY_NAME);
        if (element.attribute("ID") == null) {
            problems.add(at(element) + ": has no ID attribute; BAM requires one (views refer to activities by it)");
        }
        if (bamName == null) {
            return null;
        }
        BamXml.Element twin = seenBamNames.putIfAbsent(bamName.toLowerCase(Locale.ROOT), element);
        if (twin != null) {
            problems.add(at(element) + ": activity '" + bamName + "' is defined twice (also at line " + twin.line()
                    + "); BAM names are case-insensitive. Remove or rename one");
            return null;
        }
        String name = identifier(element, "activity", bamName, naming.maxActivityName(), "", activityIds);
        List<ItemDefinition> items = new ArrayList<>();
        Map<String, String> itemBamNames = new LinkedHashMap<>();
        Map<String, String> checkpointIds = new LinkedHashMap<>();
        Map<String, String> itemIds = new HashMap<>();
        Map<String, BamXml.Element> seenCheckpoints = new HashMap<>();
        List<BamXml.Element> indexElements = new ArrayList<>();
        String of = " of activity '" + bamName + "'";
        for (BamXml.Element child : element.children()) {
            if (child.namespace().equals(NAMESPACE) && child.name().equals("Checkpoint")) {
                ItemDefinition item = checkpoint(child, of, itemIds, seenCheckpoints);
                if (item != null) {
                    items.add(item);
                    itemBamNames.put(item.name(), child.attribute("Name"));
                    if (child.attribute("ID") != null) {
                        checkpointIds.put(child.attribute("ID"), item.name());
                    }
                }
            } else if (child.namespace().equals(NAMESPACE) && child.name().equals("Index")) {
                indexElements.add(child);
            } else {
                notImported.add("<" + child.name() + describeName(child) + "> (line " + child.line() + ") in activity '" + bamName
                        + "': an element this importer does not know");
            }
        }
        if (element.children("Checkpoint").isEmpty()) {
            problems.add(at(element) + ": has no <Checkpoint>; a BAM activity has at least one");
        }
        List<IndexDefinition> indexes = new ArrayList<>();
        Map<String, String> indexIds = new HashMap<>();
        Map<String, BamXml.Element> seenIndexes = new HashMap<>();
        for (BamXml.Element index : indexElements) {
            IndexDefinition definition = index(index, of, checkpointIds, indexIds, seenIndexes);
            if (definition != null) {
                indexes.add(definition);
            }
        }
        checkpointItems.putAll(checkpointIds);
        return name == null ? null : new ActivityDefinition(name, items, naming, indexes, bamName, itemBamNames);
    }

    private ItemDefinition checkpoint(BamXml.Element element, String of, Map<String, String> itemIds,
                                      Map<String, BamXml.Element> seen) {
        String bamName = bamName(element, MAX_BAM_NAME);
        if (element.attribute("ID") == null) {
            problems.add(at(element) + of + ": has no ID attribute; BAM requires one (indexes and aliases refer to checkpoints by it)");
        }
        if (bamName == null) {
            return null;
        }
        BamXml.Element twin = seen.putIfAbsent(bamName.toLowerCase(Locale.ROOT), element);
        if (twin != null) {
            problems.add(at(element) + of + ": checkpoint '" + bamName + "' is defined twice (also at line " + twin.line()
                    + "); BAM names are case-insensitive. Remove or rename one");
            return null;
        }
        String name = identifier(element, "checkpoint", bamName, Identifiers.MAX_ITEM_NAME, of, itemIds);
        if (name != null && Identifiers.isReserved(name)) {
            problems.add(at(element) + of + ": '" + name + "' is a column the activity tables have themselves (RecordID,"
                    + " ActivityID, IsVisible, IsComplete, LastModified); import it under another name with --rename '"
                    + bamName + "=" + name + "Value'");
            return null;
        }
        String dataType = element.attribute("DataType");
        String length = element.attribute("DataLength");
        ItemType type = ItemType.fromBizTalk(dataType);
        if (type == null) {
            problems.add(at(element) + of + ": DataType " + (dataType == null ? "is missing" : "'" + Identifiers.printable(dataType) + "' is not")
                    + " one of BAM's " + ItemType.bizTalkNames() + "; correct it");
            return null;
        }
        if (type != ItemType.TEXT) {
            if (length != null) {
                notImported.add("DataLength=\"" + Identifiers.printable(length) + "\" on " + dataType + " checkpoint '" + bamName
                        + "' (line " + element.line() + "): only NVARCHAR has a length; ignored");
            }
            return name == null ? null : ItemDefinition.of(name, type);
        }
        int chars;
        try {
            chars = length == null ? -1 : Integer.parseInt(length.trim());
        } catch (NumberFormatException e) {
            chars = -1;
        }
        if (chars < 1 || chars > ItemDefinition.MAX_TEXT_LENGTH) {
            problems.add(at(element) + of + ": an NVARCHAR checkpoint needs DataLength from 1 to " + ItemDefinition.MAX_TEXT_LENGTH
                    + (length == null ? " (it is missing)" : " (found '" + Identifiers.printable(length) + "')") + "; correct it");
            return null;
        }
        return name == null ? null : ItemDefinition.text(name, chars);
    }

    private IndexDefinition index(BamXml.Element element, String of, Map<String, String> checkpointIds, Map<String, String> indexIds,
                                  Map<String, BamXml.Element> seen) {
        String bamName = bamName(element, MAX_BAM_NAME);
        if (bamName == null) {
            return null;
        }
        BamXml.Element twin = seen.putIfAbsent(bamName.toLowerCase(Locale.ROOT), element);
        if (twin != null) {
            problems.add(at(element) + of + ": index '" + bamName + "' is defined twice (also at line " + twin.line()
                    + "); remove or rename one");
            return null;
        }
        List<BamXml.Element> refs = element.children("CheckpointRef");
        if (refs.isEmpty() || refs.size() > IndexDefinition.MAX_ITEMS) {
            problems.add(at(element) + of + ": needs 1 to " + IndexDefinition.MAX_ITEMS + " <CheckpointRef> (found " + refs.size() + ")");
            return null;
        }
        List<String> items = new ArrayList<>();
        for (BamXml.Element ref : refs) {
            String item = checkpointIds.get(ref.text());
            if (item == null) {
                problems.add(file + " line " + ref.line() + ": <CheckpointRef>" + Identifiers.printable(ref.text())
                        + "</CheckpointRef> of index '" + bamName + "'" + of + " names no checkpoint of that activity; its checkpoint IDs are "
                        + checkpointIds.keySet() + ". Correct the reference or add the checkpoint");
                return null;
            }
            items.add(item);
        }
        String name = identifier(element, "index", bamName, IndexDefinition.MAX_NAME, of, indexIds);
        return name == null ? null : new IndexDefinition(name, items, bamName);
    }

    /** The element's Name, checked against BAM's own rule and limit; null (a problem recorded) when it breaks them. */
    private String bamName(BamXml.Element element, int max) {
        String name = element.attribute("Name");
        if (name == null || name.isEmpty()) {
            problems.add(at(element) + ": has no Name attribute; BAM requires one");
            return null;
        }
        if (name.codePointCount(0, name.length()) > max) {
            problems.add(at(element) + ": the name is " + name.codePointCount(0, name.length()) + " characters long; BAM allows at most "
                    + max + " for the name of <" + element.name() + ">, so this file was not made by BAM. Shorten the name");
            return null;
        }
        if (!BamNames.BAM_NAME.matcher(name).matches()) {
            problems.add(at(element) + ": '" + Identifiers.printable(name) + "' is not a BAM name (a letter or _, then letters, digits,"
                    + " _ and single spaces between them); correct it");
            return null;
        }
        return name;
    }

    /**
     * {@code bamName} as an identifier by the rule (or the rename for it); a collision with one
     * already in {@code taken} (lower-case identifier → BAM name) is a problem naming both.
     */
    private String identifier(BamXml.Element element, String kind, String bamName, int max, String of, Map<String, String> taken) {
        String override = renames.get(bamName);
        String name;
        if (override != null) {
            String problem = Identifiers.problem(override, max);
            if (problem != null) {
                problems.add(at(element) + of + ": --rename gives '" + Identifiers.printable(override) + "', which " + problem);
                return null;
            }
            name = override;
        } else {
            name = BamNames.identifier(bamName, max);
            if (name == null) {
                problems.add(at(element) + of + ": the " + kind + " name '" + bamName + "' has no Latin letter or digit to make an"
                        + " identifier of; name it with --rename '" + bamName + "=SomeName'");
                return null;
            }
        }
        String other = taken.putIfAbsent(name.toLowerCase(Locale.ROOT), bamName);
        if (other != null) {
            problems.add(at(element) + of + ": the " + kind + " names '" + other + "' and '" + bamName + "' both become '" + name
                    + "' (names are case-insensitive); give one another name with --rename '" + bamName + "=OtherName'");
            return null;
        }
        if (!name.equals(bamName)) {
            renamed.add(kind + " '" + bamName + "'" + of + " -> " + name + (override != null ? " (--rename)"
                    : BamNames.identifier(bamName, Integer.MAX_VALUE).length() > max ? " (shortened to " + max + " characters)" : ""));
        }
        return name;
    }

    // ---- what has no equivalent: checked for broken references, then listed

    private boolean refersTo(String id, Set<String> kinds) {
        BamXml.Element target = id == null ? null : ids.get(id);
        return target != null && kinds.contains(target.name());
    }

    private void reference(BamXml.Element element, String what, String id, Set<String> kinds) {
        if (!refersTo(id, kinds)) {
            problems.add(at(element) + ": " + what + " '" + Identifiers.printable(String.valueOf(id)) + "' names no " + String.join(" or ", kinds)
                    + " ID in this file; correct the reference or remove the " + element.name());
        }
    }

    /**
     * A View: one activity view per ActivityView, named as the View (BizTalk names its SQL views
     * bam_<View>_<Activity>_View), with its aliases and durations.
     */
    private void view(BamXml.Element view) {
        String viewBamName = bamName(view, MAX_BAM_NAME);
        String viewName = viewBamName == null ? null
                : identifier(view, "view", viewBamName, Identifiers.MAX_ITEM_NAME, "", viewNames);
        for (BamXml.Element activityView : view.children("ActivityView")) {
            String activityRef = activityView.attribute("ActivityRef");
            reference(activityView, "ActivityRef", activityRef, Set.of("Activity"));
            BamXml.Element activity = ids.get(activityRef);
            List<ViewDefinition.Alias> aliases = new ArrayList<>();
            Map<String, String> aliasNames = new HashMap<>(); // alias ID → its column name
            Map<String, String> columns = new HashMap<>();
            for (BamXml.Element alias : activityView.children("Alias")) {
                List<String> items = new ArrayList<>();
                for (BamXml.Element ref : alias.children("CheckpointRef")) {
                    BamXml.Element checkpoint = ids.get(ref.text());
                    if (checkpoint == null || !checkpoint.name().equals("Checkpoint")
                            || (activity != null && !activity.children().contains(checkpoint))) {
                        problems.add(file + " line " + ref.line() + ": <CheckpointRef>" + Identifiers.printable(ref.text())
                                + "</CheckpointRef> of alias '" + Identifiers.printable(String.valueOf(alias.attribute("Name")))
                                + "' in view '" + Identifiers.printable(String.valueOf(view.attribute("Name")))
                                + "' names no checkpoint of activity '" + (activity == null ? activityRef : activity.attribute("Name"))
                                + "'; correct the reference or remove the alias");
                    } else if (checkpointItems.containsKey(ref.text())) {
                        items.add(checkpointItems.get(ref.text()));
                    }
                }
                String aliasBamName = bamName(alias, MAX_BAM_NAME);
                String name = aliasBamName == null ? null
                        : identifier(alias, "alias", aliasBamName, Identifiers.MAX_ITEM_NAME, " in view '" + viewBamName + "'", columns);
                if (name != null && !items.isEmpty()) {
                    aliases.add(new ViewDefinition.Alias(name, items));
                    if (alias.attribute("ID") != null) {
                        aliasNames.put(alias.attribute("ID"), name);
                        aliasColumns.put(alias.attribute("ID"), name);
                    }
                }
            }
            List<ViewDefinition.Duration> durations = new ArrayList<>();
            for (BamXml.Element duration : activityView.children("Duration")) {
                String[] ends = new String[2];
                List<String> endNames = List.of("FromAliasRef", "ToAliasRef");
                for (int end = 0; end < 2; end++) {
                    for (BamXml.Element ref : duration.children(endNames.get(end))) {
                        reference(duration, endNames.get(end), ref.text(), Set.of("Alias"));
                        ends[end] = aliasNames.get(ref.text());
                    }
                }
                String resolutionName = duration.attribute("TimeResolution");
                ViewDefinition.Resolution resolution = ViewDefinition.Resolution.of(resolutionName);
                if (resolution == null) {
                    problems.add(at(duration) + ": TimeResolution=\"" + Identifiers.printable(String.valueOf(resolutionName))
                            + "\" is not one of BAM's Millisecond, Second, Minute, Hour, Day");
                }
                String durationBamName = bamName(duration, MAX_BAM_NAME);
                String name = durationBamName == null ? null : identifier(duration, "duration", durationBamName,
                        Identifiers.MAX_ITEM_NAME, " in view '" + viewBamName + "'", columns);
                if (name != null && ends[0] != null && ends[1] != null && resolution != null) {
                    durations.add(new ViewDefinition.Duration(name, ends[0], ends[1], resolution));
                    if (duration.attribute("ID") != null) {
                        aliasColumns.put(duration.attribute("ID"), name);
                    }
                }
            }
            if (activity != null && viewName != null && !aliases.isEmpty()) {
                views.computeIfAbsent(activity, a -> new ArrayList<>()).add(new ViewDefinition(viewName, aliases, durations,
                        viewName.equals(viewBamName) ? null : viewBamName));
            } else if (aliases.isEmpty() && activity != null) {
                notImported.add("View '" + view.attribute("Name") + "' (line " + view.line() + ") over activity '"
                        + activity.attribute("Name") + "': no alias to show; nothing to create");
            }
        }
    }

    private void cube(BamXml.Element cube) {
        reference(cube, "ActivityViewRef", cube.attribute("ActivityViewRef"), Set.of("ActivityView"));
        Set<String> aliasKinds = Set.of("Alias", "Duration");
        int dimensions = 0;
        for (BamXml.Element child : cube.children()) {
            switch (child.name()) {
                case "Measure" -> reference(child, "AliasRef", child.attribute("AliasRef"), aliasKinds);
                case "DataDimension" -> {
                    dimensions++;
                    child.children("LevelAliasRef").forEach(ref -> reference(child, "LevelAliasRef", ref.text(), aliasKinds));
                }
                case "TimeDimension" -> {
                    dimensions++;
                    reference(child, "TimeStampAliasRef", child.attribute("TimeStampAliasRef"), aliasKinds);
                }
                case "NumericRangeDimension" -> {
                    dimensions++;
                    reference(child, "NumericAliasRef", child.attribute("NumericAliasRef"), aliasKinds);
                }
                case "ProgressDimension" -> {
                    dimensions++;
                    progressStages(child, aliasKinds);
                }
                case "RealTimeAggregation" -> {
                    child.children("MeasureRef").forEach(ref -> reference(child, "MeasureRef", ref.text(), Set.of("Measure")));
                    child.children("DimensionRef").forEach(ref -> reference(child, "DimensionRef", ref.text(),
                            Set.of("DataDimension", "TimeDimension", "NumericRangeDimension", "ProgressDimension")));
                }
                default -> {
                }
            }
        }
        for (BamXml.Element rta : cube.children("RealTimeAggregation")) {
            realTimeAggregation(cube, rta);
        }
        notImported.add("Cube '" + cube.attribute("Name") + "' (line " + cube.line() + "): " + cube.children("Measure").size()
                + " measure(s), " + dimensions + " dimension(s)" + (cube.children("RealTimeAggregation").isEmpty() ? ""
                : ", its real-time aggregation(s) imported") + ". The OLAP cube itself has no equivalent: aggregate with SQL"
                + " (GROUP BY over the view bam_<View>_<Activity>_View) or in your reporting tool");
    }

    /**
     * A RealTimeAggregation: an aggregation of the view its cube is over, with the measures and
     * dimensions it names; what BizTalk refuses in an RTA is refused here, naming the element and line.
     */
    private void realTimeAggregation(BamXml.Element cube, BamXml.Element rta) {
        BamXml.Element activityView = ids.get(cube.attribute("ActivityViewRef"));
        BamXml.Element viewElement = activityView == null ? null : parents.get(activityView);
        BamXml.Element activity = activityView == null ? null : ids.get(activityView.attribute("ActivityRef"));
        List<ViewDefinition> over = activity == null ? null : views.get(activity);
        String viewName = viewElement == null ? null : viewNames.entrySet().stream()
                .filter(e -> e.getValue().equals(viewElement.attribute("Name"))).map(Map.Entry::getKey).findFirst().orElse(null);
        ViewDefinition view = over == null ? null : over.stream().filter(v -> v.name().equalsIgnoreCase(String.valueOf(viewName)))
                .findFirst().orElse(null);
        if (view == null) {
            return; // the references were reported above
        }
        String rtaBamName = bamName(rta, MAX_BAM_NAME);
        String name = rtaBamName == null ? null : identifier(rta, "real-time aggregation", rtaBamName, Identifiers.MAX_ITEM_NAME - 8,
                " of cube '" + cube.attribute("Name") + "'", new HashMap<>());
        AggregationDefinition.TimeDimension time = null;
        List<AggregationDefinition.Dimension> dimensions = new ArrayList<>();
        for (BamXml.Element ref : rta.children("DimensionRef")) {
            BamXml.Element dimension = ids.get(ref.text());
            if (dimension == null) {
                continue;
            }
            String dimensionName = BamNames.identifier(String.valueOf(dimension.attribute("Name")), Identifiers.MAX_ITEM_NAME);
            switch (dimension.name()) {
                case "TimeDimension" -> {
                    List<AggregationDefinition.TimeLevel> levels = new ArrayList<>();
                    for (BamXml.Element level : dimension.children("TimeLevel")) {
                        AggregationDefinition.TimeLevel known = AggregationDefinition.TimeLevel.of(level.text());
                        if (known != null) {
                            levels.add(known);
                        }
                    }
                    String alias = aliasName(view, dimension.attribute("TimeStampAliasRef"));
                    if (time != null) {
                        problems.add(at(rta) + ": names two time dimensions; a real-time aggregation has one");
                    } else if (alias != null && !levels.isEmpty()) {
                        time = new AggregationDefinition.TimeDimension(alias, levels);
                    }
                }
                case "DataDimension" -> {
                    List<String> levels = new ArrayList<>();
                    dimension.children("LevelAliasRef").forEach(level -> {
                        String alias = aliasName(view, level.text());
                        if (alias != null) {
                            levels.add(alias);
                        }
                    });
                    dimensions.add(new AggregationDefinition.Dimension(dimensionName, levels, null, List.of(), List.of()));
                }
                case "ProgressDimension" -> {
                    List<AggregationDefinition.Stage> stages = new ArrayList<>();
                    stages(view, dimension, stages);
                    dimensions.add(new AggregationDefinition.Dimension(dimensionName, List.of(), null, List.of(), stages));
                }
                default -> {
                    notImported.add("<" + dimension.name() + describeName(dimension) + "> (line " + dimension.line()
                            + ") in real-time aggregation '" + rtaBamName + "': write its ranges by hand, as { name, alias,"
                            + " ranges: [ { name, below } ] } under the aggregation's dimensions");
                }
            }
        }
        List<AggregationDefinition.Measure> measures = new ArrayList<>();
        for (BamXml.Element ref : rta.children("MeasureRef")) {
            BamXml.Element measure = ids.get(ref.text());
            if (measure == null) {
                continue;
            }
            String function = String.valueOf(measure.attribute("AggregationFunction"));
            String measureName = BamNames.identifier(String.valueOf(measure.attribute("Name")), Identifiers.MAX_ITEM_NAME - 6);
            switch (function.toLowerCase(Locale.ROOT)) {
                case "count" -> measures.add(new AggregationDefinition.Measure(measureName, AggregationDefinition.Function.COUNT, null));
                case "sum", "avg" -> {
                    String of = aliasName(view, measure.attribute("AliasRef"));
                    if (of != null) {
                        measures.add(new AggregationDefinition.Measure(measureName, function.equalsIgnoreCase("sum")
                                ? AggregationDefinition.Function.SUM : AggregationDefinition.Function.AVG, of));
                    }
                }
                default -> problems.add(at(rta) + ": measure '" + measure.attribute("Name") + "' (line " + measure.line()
                        + ") is " + function + "; a real-time aggregation keeps Count, Sum and Avg only (BizTalk refuses "
                        + function + " in an RTA)");
            }
        }
        if (time == null) {
            problems.add(at(rta) + ": has no time dimension (a DimensionRef to a TimeDimension); BizTalk requires one in a"
                    + " real-time aggregation");
            return;
        }
        if (name == null || measures.isEmpty()) {
            return;
        }
        AggregationDefinition aggregation = new AggregationDefinition(name, time, dimensions, measures, Duration.ofDays(1),
                Duration.ofMinutes(15));
        if (aggregation.levelCount() > AggregationDefinition.MAX_LEVELS) {
            problems.add(at(rta) + ": " + aggregation.levelCount() + " dimension levels; BizTalk allows at most "
                    + AggregationDefinition.MAX_LEVELS);
            return;
        }
        if (over.stream().anyMatch(v -> !v.aggregations().isEmpty())) {
            problems.add(at(rta) + ": activity '" + activity.attribute("Name") + "' has another real-time aggregation already;"
                    + " BizTalk allows one per activity");
            return;
        }
        over.set(over.indexOf(view), new ViewDefinition(view.name(), view.aliases(), view.durations(), view.bamName(),
                List.of(aggregation)));
    }

    /** The stages of a progress dimension, nested ones after their parent, in document order. */
    private void stages(ViewDefinition view, BamXml.Element parent, List<AggregationDefinition.Stage> stages) {
        for (BamXml.Element stage : parent.children("ProgressStage")) {
            String alias = aliasName(view, stage.attribute("TimeStampAliasRef"));
            if (alias != null) {
                stages.add(new AggregationDefinition.Stage(String.valueOf(stage.attribute("Name")), alias));
            }
            stages(view, stage, stages);
        }
    }

    /** The column name of the alias or duration with BAM ID {@code id} in {@code view}, or null. */
    private String aliasName(ViewDefinition view, String id) {
        String name = id == null ? null : aliasColumns.get(id);
        return name == null ? null : view.alias(name) != null ? view.alias(name).name()
                : view.duration(name) != null ? view.duration(name).name() : null;
    }

    private void progressStages(BamXml.Element parent, Set<String> aliasKinds) {
        for (BamXml.Element stage : parent.children("ProgressStage")) {
            reference(stage, "TimeStampAliasRef", stage.attribute("TimeStampAliasRef"), aliasKinds);
            progressStages(stage, aliasKinds);
        }
    }

    private void alerts(BamXml.Element alerts) {
        List<String> names = new ArrayList<>();
        for (BamXml.Element viewAlert : alerts.children("ViewAlert")) {
            viewAlert.children("AlertInstance").forEach(a -> names.add(String.valueOf(a.attribute("Name"))));
        }
        notImported.add("Alerts (line " + alerts.line() + "): " + alerts.children("ViewAlert").size() + " view alert(s) with alert instance(s) "
                + names + ". BAM alerts (SQL Server Notification Services) have no equivalent here; see docs/biztalk.md,"
                + " Coming from BizTalk BAM");
    }
}
