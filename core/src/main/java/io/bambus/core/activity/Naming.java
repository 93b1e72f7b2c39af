package io.bambus.core.activity;

import io.bambus.core.sql.Identifiers;
import java.util.Locale;

/**
 * How an activity's tables, views and continuation columns are named in the destination; one per
 * definitions file (top-level {@code naming:}). {@link #BIZTALK} gives BizTalk BAM's names, so
 * reports written against a BAM Primary Import database find the same tables, views and columns.
 */
public enum Naming {

    /** {@code bam_X_active}, {@code bam_X_completed}, {@code bam_X_relationships}, {@code bam_X_continuations}, view {@code bam_X_all_instances}. */
    BAMBUS("active", "completed", "relationships", "continuations", "archive", "all_instances",
            "ContinuationToken", "ActivityID", Identifiers.MAX_ACTIVITY_NAME),

    /**
     * BAM's: {@code bam_X_Active}, {@code bam_X_Completed}, {@code bam_X_Continuations} (its token in
     * {@code ActivityID}, the instance it continues in {@code ParentActivityID}), views
     * {@code bam_X_ActiveInstances}, {@code bam_X_CompletedInstances}, {@code bam_X_AllInstances},
     * {@code bam_X_ActiveRelationships}, {@code bam_X_CompletedRelationships}; the references live in
     * the table {@code bam_X_AllRelationships} (a view in BAM). The longest name,
     * {@code bam_X_CompletedRelationships}, keeps activity names to 64 - 4 - 23 = 37 characters.
     */
    BIZTALK("Active", "Completed", "AllRelationships", "Continuations", "Archive", "AllInstances",
            "ActivityID", "ParentActivityID", 37);

    final String active;
    final String completed;
    final String relationships;
    final String continuations;
    final String archive;
    final String allInstances;
    private final String tokenColumn;
    private final String continuedColumn;
    private final int maxActivityName;

    Naming(String active, String completed, String relationships, String continuations, String archive, String allInstances,
           String tokenColumn, String continuedColumn, int maxActivityName) {
        this.active = active;
        this.completed = completed;
        this.relationships = relationships;
        this.continuations = continuations;
        this.archive = archive;
        this.allInstances = allInstances;
        this.tokenColumn = tokenColumn;
        this.continuedColumn = continuedColumn;
        this.maxActivityName = maxActivityName;
    }

    /** The continuations table's column holding the token. */
    public String tokenColumn() {
        return Identifiers.quote(tokenColumn);
    }

    /** The continuations table's column holding the instance a token continues. */
    public String continuedColumn() {
        return Identifiers.quote(continuedColumn);
    }

    /** The longest activity name whose tables and views all fit MySQL's 64-character identifiers. */
    public int maxActivityName() {
        return maxActivityName;
    }

    public String fileName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Naming fromFileName(String name) {
        for (Naming naming : values()) {
            if (naming.fileName().equals(name)) {
                return naming;
            }
        }
        return null;
    }
}
