package io.bambus.grid.session;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * An atomic change of one session record, run on the owner of its partition. Backups receive the
 * resulting record, not the change, so a backup can never compute a different epoch.
 */
abstract class RecordUpdate implements EntryProcessor<String, SessionRecord, SessionRecord> {

    private transient SessionRecord result;

    /** The new record, or null to leave the entry unchanged (and return null). */
    abstract SessionRecord update(SessionRecord current);

    /** Whether the sender gets the new record back (sent to it and decoded there); false where it never reads it. */
    boolean answersWithRecord() {
        return true;
    }

    @Override
    public final SessionRecord process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord current = entry.getValue();
        result = current == null ? null : update(current);
        if (result != null) {
            entry.setValue(result);
        }
        return answersWithRecord() ? result : null;
    }

    @Override
    public EntryProcessor<String, SessionRecord, SessionRecord> getBackupProcessor() {
        return result == null ? null : new SetRecord(result);
    }

    /** Writes a record computed on the primary. */
    static final class SetRecord implements EntryProcessor<String, SessionRecord, SessionRecord> {
        private final SessionRecord record;

        SetRecord(SessionRecord record) {
            this.record = record;
        }

        SessionRecord record() {
            return record;
        }

        @Override
        public SessionRecord process(Map.Entry<String, SessionRecord> entry) {
            entry.setValue(record);
            return record;
        }
    }
}
