package io.bambus.core.verify;

import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.apply.Applier;
import io.bambus.core.session.Checkpoint;
import io.bambus.core.event.DecodedEvent;
import io.bambus.core.event.EventDecoder;
import io.bambus.core.event.EventKind;
import io.bambus.core.session.OutboxEvent;
import io.bambus.core.schema.OutboxSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Checks a destination against its sources, event by event: every moved event still in a
 * source's outbox is applied again, in the order the bus applied it (batch, then seq), into an
 * empty scratch destination with the same definitions; then each instance whose BeginActivity is
 * among those events is compared with the live destination (active, completed or archived), and
 * the failed events of both. An instance missing live is lost; a different state or value means
 * an event was lost, applied twice or out of order; a failed event live that the replay applied
 * is a duplicate or out-of-order one. The bus may keep running: an instance that got events the
 * replay did not include (written or moved during the check) is skipped, not reported.
 */
public final class DeliveryVerifier {

    private static final int BATCH = 500;

    /** One source to check. */
    public record Source(String sessionId, DataSource pool, String outboxTable) {
    }

    /** What was found for one session. */
    public record Report(String sessionId, long eventsChecked, long instancesChecked, long instancesSkipped, List<String> lost,
                         List<String> different, List<String> duplicated) {

        public boolean passed() {
            return lost.isEmpty() && different.isEmpty() && duplicated.isEmpty();
        }
    }

    private final DataSource live;
    private final DataSource scratch;

    /** {@code scratch} must be an empty database the caller created (and drops). */
    public DeliveryVerifier(DataSource live, DataSource scratch) {
        this.live = live;
        this.scratch = scratch;
    }

    public List<Report> verify(List<Source> sources) throws SQLException {
        Map<String, ActivityDefinition> definitions;
        try (Connection connection = live.getConnection()) {
            definitions = ActivityDeployer.deployed(connection);
        }
        new ActivityDeployer(scratch).deploy(new ArrayList<>(definitions.values()));
        List<Report> reports = new ArrayList<>();
        for (Source source : sources) {
            reports.add(verify(source, definitions));
        }
        return reports;
    }

    private Report verify(Source source, Map<String, ActivityDefinition> definitions) throws SQLException {
        Applier applier = new Applier(scratch, source.sessionId());
        Checkpoint checkpoint = applier.claim(1, false);
        long events = 0;
        Map<String, Set<String>> begun = new HashMap<>();   // activity (lower case) -> instance ids begun in the replay
        Set<Long> replayed = new HashSet<>();
        Map<List<String>, Integer> replayedPerInstance = new HashMap<>();
        long afterBatch = -1;
        long afterSeq = -1;
        while (true) {
            List<DecodedEvent> batch = new ArrayList<>();
            try (Connection connection = source.pool().getConnection();
                 PreparedStatement select = connection.prepareStatement("SELECT seq, kind, activity, instance_id, payload, event_time,"
                         + " moved_batch FROM " + OutboxSchema.quoted(source.outboxTable()) + " WHERE moved_batch > 0"
                         + " AND (moved_batch > ? OR (moved_batch = ? AND seq > ?)) ORDER BY moved_batch, seq LIMIT ?")) {
                select.setLong(1, afterBatch);
                select.setLong(2, afterBatch);
                select.setLong(3, afterSeq);
                select.setInt(4, BATCH);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        OutboxEvent event = new OutboxEvent(rows.getLong(1), rows.getString(2), rows.getString(3),
                                rows.getString(4), rows.getBytes(5), rows.getObject(6, LocalDateTime.class));
                        batch.add(EventDecoder.decode(event));
                        afterBatch = rows.getLong(7);
                        afterSeq = rows.getLong(1);
                        replayed.add(afterSeq);
                        replayedPerInstance.merge(List.of(event.activity().toLowerCase(java.util.Locale.ROOT),
                                event.instanceId()), 1, Integer::sum);
                        if (EventKind.BEGIN.name().equals(event.kind())) {
                            begun.computeIfAbsent(event.activity().toLowerCase(java.util.Locale.ROOT), a -> new HashSet<>())
                                    .add(event.instanceId());
                        }
                    }
                }
            }
            if (batch.isEmpty()) {
                break;
            }
            checkpoint = applier.apply(1, checkpoint, batch).checkpoint();
            events += batch.size();
        }

        List<String> lost = new ArrayList<>();
        List<String> different = new ArrayList<>();
        long checked = 0;
        long skipped = 0;
        for (Map.Entry<String, Set<String>> entry : begun.entrySet()) {
            ActivityDefinition definition = definitions.get(entry.getKey());
            if (definition == null) {
                continue;   // quarantined in both: compared with the failed events below
            }
            for (String id : entry.getValue()) {
                Map<String, String> expected = row(scratch, definition, id);
                if (expected == null) {
                    skipped++;  // the replay refused it too (a poison event); the failed events compare it
                    continue;
                }
                Map<String, String> actual = row(live, definition, id);
                if (actual != null && expected.equals(actual)) {
                    checked++;
                    continue;
                }
                if (eventsNow(source, entry.getKey(), id) > replayedPerInstance.getOrDefault(List.of(entry.getKey(), id), 0)) {
                    skipped++;  // it got events during the check: the replay is behind the bus, not the bus wrong
                    continue;
                }
                checked++;
                if (actual == null) {
                    lost.add(definition.name() + " '" + id + "': missing from the destination");
                } else {
                    different.add(definition.name() + " '" + id + "': destination " + actual + ", the source's events give "
                            + expected);
                }
            }
        }
        List<String> duplicated = new ArrayList<>();
        Map<Long, String> liveFailed = failed(live, source.sessionId());
        Map<Long, String> replayFailed = failed(scratch, source.sessionId());
        liveFailed.forEach((seq, reason) -> {
            if (replayed.contains(seq) && !replayFailed.containsKey(seq)) {
                duplicated.add("event seq " + seq + " failed in the destination (" + reason
                        + ") but applies in order: applied twice or out of order");
            }
        });
        return new Report(source.sessionId(), events, checked, skipped, lost, different, duplicated);
    }


    /** Events in the source now for instance {@code id} of the activity named {@code activity} in any case. */
    private static long eventsNow(Source source, String activity, String id) throws SQLException {
        try (Connection connection = source.pool().getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT COUNT(*) FROM "
                     + OutboxSchema.quoted(source.outboxTable()) + " WHERE LOWER(activity) = ? AND instance_id = ?")) {
            select.setString(1, activity);
            select.setString(2, id);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** The instance's row as the UI would show it: state plus every item, or null when it is in no table. */
    private static Map<String, String> row(DataSource db, ActivityDefinition definition, String id) throws SQLException {
        try (Connection connection = db.getConnection()) {
            for (String[] table : new String[][] {{definition.activeTable(), "active"}, {definition.completedTable(), "completed"},
                    {definition.archiveTable(), "completed"}}) {
                try (PreparedStatement select = connection.prepareStatement("SELECT * FROM " + table[0]
                        + " WHERE `ActivityID` = ?")) {
                    select.setString(1, id);
                    try (ResultSet rows = select.executeQuery()) {
                        if (rows.next()) {
                            Map<String, String> values = new LinkedHashMap<>();
                            values.put("state", table[1]);
                            ResultSetMetaData meta = rows.getMetaData();
                            for (int i = 1; i <= meta.getColumnCount(); i++) {
                                String column = meta.getColumnLabel(i);
                                // BeganAt: rows from before it existed count from an older LastModified, a replay from their events
                                if (!column.equals("RecordID") && !column.equals("ArchivedAt") && !column.equals("IsComplete")
                                        && !column.equals("BeganAt")) {
                                    values.put(column, rows.getString(i));
                                }
                            }
                            return values;
                        }
                    }
                }
            }
        }
        return null;
    }

    private static Map<Long, String> failed(DataSource db, String sessionId) throws SQLException {
        Map<Long, String> result = new HashMap<>();
        try (Connection connection = db.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT source_seq, reason FROM bam_failed_events"
                     + " WHERE session_id = ?")) {
            select.setString(1, sessionId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    result.put(rows.getLong(1), rows.getString(2));
                }
            }
        }
        return result;
    }
}
