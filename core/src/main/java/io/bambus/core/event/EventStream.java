package io.bambus.core.event;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.sql.Identifiers;
import io.bambus.core.sql.SqlTimes;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Records business activity into a source's outbox table, in the spirit of BizTalk's
 * BufferedEventStream. Events are buffered and written by {@link #flush()} with one batched insert.
 *
 * <p>{@link #on(Connection)} writes on the application's connection without committing: the events
 * commit or roll back with the application's own transaction. {@link #on(DataSource)} writes each
 * flush in a transaction of its own. Not thread-safe: one stream per unit of work.
 */
public final class EventStream implements AutoCloseable {

    /** Events buffered before an automatic flush. */
    public static final int DEFAULT_FLUSH_THRESHOLD = 500;
    /** Longest instance id, continuation token or reference name the destination stores. */
    public static final int MAX_ID_LENGTH = 128;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection connection;
    private final DataSource dataSource;
    private final List<Pending> buffer = new ArrayList<>();
    private String insertSql = insertSql(OutboxSchema.DEFAULT_TABLE);
    private int flushThreshold = DEFAULT_FLUSH_THRESHOLD;

    private record Pending(EventKind kind, String activity, String instanceId, byte[] payload, LocalDateTime time) {
    }

    private EventStream(Connection connection, DataSource dataSource) {
        this.connection = connection;
        this.dataSource = dataSource;
    }

    /** A stream that writes inside the caller's transaction on {@code connection}; the caller commits. */
    public static EventStream on(Connection connection) {
        return new EventStream(connection, null);
    }

    /** A stream that writes each flush in its own transaction on a connection from {@code dataSource}. */
    public static EventStream on(DataSource dataSource) {
        return new EventStream(null, dataSource);
    }

    /** Writes to {@code table} instead of {@value OutboxSchema#DEFAULT_TABLE}. */
    public EventStream outboxTable(String table) {
        this.insertSql = insertSql(table);
        return this;
    }

    public EventStream flushThreshold(int events) {
        if (events < 1) {
            throw new IllegalArgumentException("flushThreshold must be at least 1");
        }
        this.flushThreshold = events;
        return this;
    }

    public EventStream beginActivity(String activity, String activityId) throws SQLException {
        return add(EventKind.BEGIN, activity, activityId, JSON.createObjectNode());
    }

    /** Sets items from name/value pairs: {@code updateActivity("PO", "po-1", "Customer", "Acme", "Amount", 12.5)}. */
    public EventStream updateActivity(String activity, String activityId, Object... namesAndValues) throws SQLException {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("updateActivity takes name/value pairs; got an odd number of arguments");
        }
        Map<String, Object> items = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (!(namesAndValues[i] instanceof String name)) {
                throw new IllegalArgumentException("updateActivity argument " + i + " must be an item name (String)");
            }
            items.put(name, namesAndValues[i + 1]);
        }
        return updateActivity(activity, activityId, items);
    }

    public EventStream updateActivity(String activity, String activityId, Map<String, ?> items) throws SQLException {
        ObjectNode payload = JSON.createObjectNode();
        for (Map.Entry<String, ?> item : items.entrySet()) {
            Identifiers.check("item name", item.getKey(), Identifiers.MAX_ITEM_NAME);
            putValue(payload, item.getKey(), item.getValue());
        }
        return add(EventKind.UPDATE, activity, activityId, payload);
    }

    public EventStream addReference(String activity, String activityId, String referenceType, String referenceName,
                                    String referenceData) throws SQLException {
        return addReference(activity, activityId, referenceType, referenceName, referenceData, null);
    }

    public EventStream addReference(String activity, String activityId, String referenceType, String referenceName,
                                    String referenceData, String longReferenceData) throws SQLException {
        ObjectNode payload = JSON.createObjectNode();
        payload.put("type", id("referenceType", referenceType));
        payload.put("name", id("referenceName", referenceName));
        payload.put("data", requireNonNull("referenceData", referenceData));
        if (longReferenceData != null) {
            payload.put("longData", longReferenceData);
        }
        return add(EventKind.ADD_REFERENCE, activity, activityId, payload);
    }

    /** Relates this instance to instance {@code relatedId} of activity {@code relatedActivity}. */
    public EventStream addRelatedActivity(String activity, String activityId, String relatedActivity, String relatedId)
            throws SQLException {
        Identifiers.check("related activity name", relatedActivity, Identifiers.MAX_ACTIVITY_NAME);
        return addReference(activity, activityId, EventKind.RELATED_ACTIVITY_TYPE, relatedActivity, id("relatedId", relatedId));
    }

    /** Later events for {@code continuationToken} update instance {@code activityId}, until the token is ended. */
    public EventStream enableContinuation(String activity, String activityId, String continuationToken) throws SQLException {
        ObjectNode payload = JSON.createObjectNode();
        payload.put("token", id("continuationToken", continuationToken));
        return add(EventKind.ENABLE_CONTINUATION, activity, activityId, payload);
    }

    public EventStream endActivity(String activity, String activityId) throws SQLException {
        return add(EventKind.END, activity, activityId, JSON.createObjectNode());
    }

    /** Writes the buffered events: on {@link #on(Connection)} inside the caller's transaction. */
    public void flush() throws SQLException {
        if (buffer.isEmpty()) {
            return;
        }
        if (connection != null) {
            write(connection);
        } else {
            try (Connection own = dataSource.getConnection()) {
                own.setAutoCommit(false);
                try {
                    write(own);
                    own.commit();
                } catch (SQLException | RuntimeException e) {
                    own.rollback();
                    throw e;
                }
            }
        }
        buffer.clear();
    }

    /** Flushes; the connection of {@link #on(Connection)} stays open and uncommitted. */
    @Override
    public void close() throws SQLException {
        flush();
    }

    private void write(Connection target) throws SQLException {
        try (PreparedStatement insert = target.prepareStatement(insertSql)) {
            for (Pending event : buffer) {
                insert.setString(1, event.kind().name());
                insert.setString(2, event.activity());
                insert.setString(3, event.instanceId());
                insert.setBytes(4, event.payload());
                SqlTimes.bind(insert, 5, event.time());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private EventStream add(EventKind kind, String activity, String activityId, ObjectNode payload) throws SQLException {
        Identifiers.check("activity name", activity, Identifiers.MAX_ACTIVITY_NAME);
        id("activityId", activityId);
        byte[] bytes = payload.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > EventDecoder.MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("event for " + activity + "/" + activityId + " is " + bytes.length
                    + " bytes, above the limit of " + EventDecoder.MAX_PAYLOAD_BYTES);
        }
        // microseconds: what DATETIME(6) keeps, so the value read back equals the value written
        LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        buffer.add(new Pending(kind, activity, activityId, bytes, now));
        if (buffer.size() >= flushThreshold) {
            flush();
        }
        return this;
    }

    private static void putValue(ObjectNode payload, String name, Object value) {
        if (value == null) {
            payload.putNull(name);
        } else if (value instanceof String s) {
            payload.put(name, s);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            payload.put(name, ((Number) value).longValue());
        } else if (value instanceof BigInteger b) {
            payload.put(name, b);
        } else if (value instanceof BigDecimal d) {
            payload.put(name, d);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException("item '" + name + "' is " + d + "; only finite numbers can be stored");
            }
            payload.put(name, d);
        } else if (value instanceof Instant i) {
            payload.put(name, i.toString());
        } else if (value instanceof OffsetDateTime o) {
            payload.put(name, o.toInstant().toString());
        } else if (value instanceof ZonedDateTime z) {
            payload.put(name, z.toInstant().toString());
        } else if (value instanceof Date d) {
            payload.put(name, d.toInstant().toString());
        } else if (value instanceof LocalDateTime l) {
            payload.put(name, l.toInstant(ZoneOffset.UTC).toString());
        } else {
            throw new IllegalArgumentException("item '" + name + "' has a value of type " + value.getClass().getName()
                    + "; use String, an integer type, BigDecimal, Double, Instant, OffsetDateTime, ZonedDateTime, "
                    + "Date or LocalDateTime (taken as UTC)");
        }
    }

    private static String id(String what, String value) {
        requireNonNull(what, value);
        if (value.isEmpty() || value.codePointCount(0, value.length()) > MAX_ID_LENGTH) {
            throw new IllegalArgumentException(what + " must be 1 to " + MAX_ID_LENGTH + " characters");
        }
        return value;
    }

    private static String requireNonNull(String what, String value) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        return value;
    }

    private static String insertSql(String table) {
        return "INSERT INTO " + OutboxSchema.quoted(table)
                + " (kind, activity, instance_id, payload, event_time) VALUES (?, ?, ?, ?, ?)";
    }
}
