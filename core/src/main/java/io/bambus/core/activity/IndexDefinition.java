package io.bambus.core.activity;

import io.bambus.core.sql.Identifiers;
import java.util.List;

/**
 * An index over items of an activity, created on its active and completed tables (BAM's
 * {@code Index} element). {@code bamName} is the BAM name it was imported from, or null.
 */
public record IndexDefinition(String name, List<String> items, String bamName) {

    /** BAM's limit of checkpoints per index. */
    public static final int MAX_ITEMS = 16;
    /** MySQL's limit for index names. */
    public static final int MAX_NAME = 64;
    /** InnoDB's longest index key (DYNAMIC rows), in bytes. */
    public static final int MAX_KEY_BYTES = 3072;

    public IndexDefinition {
        items = List.copyOf(items);
    }

    /** The same index as deployed: name and items; the BAM name is only a label. */
    public boolean sameAs(IndexDefinition other) {
        return name.equalsIgnoreCase(other.name) && items.stream().map(n -> n.toLowerCase(java.util.Locale.ROOT)).toList()
                .equals(other.items.stream().map(n -> n.toLowerCase(java.util.Locale.ROOT)).toList());
    }

    public String quotedName() {
        return Identifiers.quote(name);
    }
}
