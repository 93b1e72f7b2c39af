package io.bambus.core.activity;

import io.bambus.core.sql.Identifiers;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An activity and its items, validated; item lookup ignores case as MySQL's column names do. Its
 * {@link Naming} names its tables; {@code bamName} and {@code itemBamNames} keep the BizTalk BAM
 * names an imported activity came from (null and empty otherwise).
 */
public final class ActivityDefinition {

    private final String name;
    private final List<ItemDefinition> items;
    private final Naming naming;
    private final List<IndexDefinition> indexes;
    private final String bamName;
    private final Map<String, String> itemBamNames;
    private final List<ViewDefinition> views;
    private final Map<String, ItemDefinition> byLowerName = new LinkedHashMap<>();

    public ActivityDefinition(String name, List<ItemDefinition> items) {
        this(name, items, Naming.BAMBUS, List.of(), null, Map.of());
    }

    /** {@code itemBamNames}: item name → its BAM name, for the items that have one. */
    public ActivityDefinition(String name, List<ItemDefinition> items, Naming naming, List<IndexDefinition> indexes,
                              String bamName, Map<String, String> itemBamNames) {
        this(name, items, naming, indexes, bamName, itemBamNames, List.of());
    }

    /** {@code views}: the activity views over it (BizTalk BAM's View/ActivityView). */
    public ActivityDefinition(String name, List<ItemDefinition> items, Naming naming, List<IndexDefinition> indexes,
                              String bamName, Map<String, String> itemBamNames, List<ViewDefinition> views) {
        this.name = name;
        this.views = List.copyOf(views);
        this.items = List.copyOf(items);
        this.naming = naming;
        this.indexes = List.copyOf(indexes);
        this.bamName = bamName;
        Map<String, String> bam = new LinkedHashMap<>();
        itemBamNames.forEach((item, original) -> bam.put(item.toLowerCase(Locale.ROOT), original));
        this.itemBamNames = Map.copyOf(bam);
        for (ItemDefinition item : this.items) {
            byLowerName.put(item.name().toLowerCase(Locale.ROOT), item);
        }
    }

    public String name() {
        return name;
    }

    public List<ItemDefinition> items() {
        return items;
    }

    public ItemDefinition item(String itemName) {
        return byLowerName.get(itemName.toLowerCase(Locale.ROOT));
    }

    public List<ViewDefinition> views() {
        return views;
    }

    /** This activity with {@code viewsOverIt} instead of its views. */
    public ActivityDefinition withViews(List<ViewDefinition> viewsOverIt) {
        return new ActivityDefinition(name, items, naming, indexes, bamName, itemBamNames, viewsOverIt);
    }

    /** The unquoted names of the MySQL views of its activity views, in deployment order. */
    public List<String> viewObjectNames() {
        List<String> names = new java.util.ArrayList<>();
        for (ViewDefinition view : views) {
            for (ViewDefinition.Variant variant : ViewDefinition.Variant.values()) {
                names.add(view.objectName(name, naming, variant));
            }
        }
        return names;
    }

    /** Every object its views and aggregations make (views, aggregation tables): names that must not collide. */
    public List<String> objectNames() {
        List<String> names = new java.util.ArrayList<>(viewObjectNames());
        for (ViewDefinition view : views) {
            for (AggregationDefinition aggregation : view.aggregations()) {
                names.add(aggregation.tableName(naming, view));
                names.add(aggregation.viewName(naming, view));
            }
        }
        return names;
    }

    public Naming naming() {
        return naming;
    }

    public List<IndexDefinition> indexes() {
        return indexes;
    }

    /** The BAM name this activity was imported from, or null. */
    public String bamName() {
        return bamName;
    }

    /** The BAM name {@code itemName} was imported from, or null. */
    public String itemBamName(String itemName) {
        return itemBamNames.get(itemName.toLowerCase(Locale.ROOT));
    }

    /** The unquoted name of this activity's table or view {@code suffix} (a {@link Naming} field). */
    private String object(String suffix) {
        return "bam_" + name + "_" + suffix;
    }

    public String activeTableName() {
        return object(naming.active);
    }

    public String completedTableName() {
        return object(naming.completed);
    }

    public String archiveTableName() {
        return object(naming.archive);
    }

    public String activeTable() {
        return Identifiers.quote(activeTableName());
    }

    public String completedTable() {
        return Identifiers.quote(completedTableName());
    }

    /** The table holding references and related activities, whatever their instance's state. */
    public String relationshipsTable() {
        return Identifiers.quote(object(naming.relationships));
    }

    public String continuationsTable() {
        return Identifiers.quote(object(naming.continuations));
    }

    /** Completed instances past the online window (see Archiver). */
    public String archiveTable() {
        return Identifiers.quote(archiveTableName());
    }

    public String allInstancesView() {
        return Identifiers.quote(object(naming.allInstances));
    }

    /** One of BAM's other views, {@code bam_<name>_<suffix>} ({@link Naming#BIZTALK} only; see ActivityDeployer). */
    public String biztalkView(String suffix) {
        return Identifiers.quote(object(suffix));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActivityDefinition other && name.equals(other.name) && items.equals(other.items)
                && naming == other.naming && indexes.equals(other.indexes) && Objects.equals(bamName, other.bamName)
                && itemBamNames.equals(other.itemBamNames) && views.equals(other.views);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, items, naming, indexes, bamName);
    }

    @Override
    public String toString() {
        return "ActivityDefinition[" + name + ", " + items + (naming == Naming.BAMBUS ? "" : ", " + naming)
                + (indexes.isEmpty() ? "" : ", indexes " + indexes) + (views.isEmpty() ? "" : ", views " + views) + "]";
    }
}
