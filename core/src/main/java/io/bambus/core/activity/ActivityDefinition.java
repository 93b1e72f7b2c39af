package io.bambus.core.activity;

import io.bambus.core.sql.Identifiers;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** An activity and its items, validated; item lookup ignores case as MySQL's column names do. */
public final class ActivityDefinition {

    private final String name;
    private final List<ItemDefinition> items;
    private final Map<String, ItemDefinition> byLowerName = new LinkedHashMap<>();

    public ActivityDefinition(String name, List<ItemDefinition> items) {
        this.name = name;
        this.items = List.copyOf(items);
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

    public String activeTable() {
        return Identifiers.quote("bam_" + name + "_active");
    }

    public String completedTable() {
        return Identifiers.quote("bam_" + name + "_completed");
    }

    public String relationshipsTable() {
        return Identifiers.quote("bam_" + name + "_relationships");
    }

    public String continuationsTable() {
        return Identifiers.quote("bam_" + name + "_continuations");
    }

    /** Completed instances past the online window (see Archiver). */
    public String archiveTable() {
        return Identifiers.quote("bam_" + name + "_archive");
    }

    public String allInstancesView() {
        return Identifiers.quote("bam_" + name + "_all_instances");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActivityDefinition other && name.equals(other.name) && items.equals(other.items);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + items.hashCode();
    }

    @Override
    public String toString() {
        return "ActivityDefinition[" + name + ", " + items + "]";
    }
}
