package io.bambus.grid.session;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * Creates a session's record unless one exists (put-if-absent as an entry processor, so that a member
 * can send thousands at once and await them together). Backups receive the record made on the primary.
 */
public final class CreateRecord implements EntryProcessor<String, SessionRecord, SessionRecord> {

    private final boolean enabled;
    private transient SessionRecord created;

    public CreateRecord(boolean enabled) {
        this.enabled = enabled;
    }

    /** The record made, or null when one existed. */
    @Override
    public SessionRecord process(Map.Entry<String, SessionRecord> entry) {
        created = entry.getValue() != null ? null : SessionRecord.create(entry.getKey(), enabled);
        if (created != null) {
            entry.setValue(created);
        }
        return created;
    }

    @Override
    public EntryProcessor<String, SessionRecord, SessionRecord> getBackupProcessor() {
        return created == null ? null : new RecordUpdate.SetRecord(created);
    }
}
