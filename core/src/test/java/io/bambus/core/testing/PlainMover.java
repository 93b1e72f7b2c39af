package io.bambus.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bambus.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The benchmarks' "no bus" baseline: what a hand-written mover does. It reads a batch of outbox
 * rows, applies Begin / Update / End events one statement per event (they must run in order) in
 * one destination transaction, commits, then deletes the moved rows. No checkpoint, no fencing,
 * no validation, no continuations or references.
 */
public final class PlainMover {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PlainMover() {
    }

    /** Moves the whole outbox of {@code source} into {@code activity}'s tables; returns the events moved. */
    public static long move(DataSource sourcePool, String outboxTable, DataSource destinationPool, String activity, int batchSize)
            throws Exception {
        return move(sourcePool, outboxTable, destinationPool, activity, batchSize, moved -> { });
    }

    /** As {@link #move(DataSource, String, DataSource, String, int)}, telling {@code committed} the events of each batch. */
    public static long move(DataSource sourcePool, String outboxTable, DataSource destinationPool, String activity, int batchSize,
                            java.util.function.LongConsumer committed) throws Exception {
        String active = Identifiers.quote("bam_" + activity + "_active");
        String completed = Identifiers.quote("bam_" + activity + "_completed");
        long moved = 0;
        Map<List<String>, PreparedStatement> updates = new HashMap<>();
        try (Connection source = sourcePool.getConnection(); Connection destination = destinationPool.getConnection();
             PreparedStatement read = source.prepareStatement("SELECT seq, kind, instance_id, payload, event_time FROM "
                     + Identifiers.quote(outboxTable) + " ORDER BY seq LIMIT ?");
             PreparedStatement begin = destination.prepareStatement("INSERT INTO " + active + " (ActivityID, LastModified)"
                     + " VALUES (?, ?) ON DUPLICATE KEY UPDATE LastModified = VALUES(LastModified)");
             PreparedStatement remove = destination.prepareStatement("DELETE FROM " + active + " WHERE ActivityID = ?");
             PreparedStatement delete = source.prepareStatement("DELETE FROM " + Identifiers.quote(outboxTable)
                     + " WHERE seq BETWEEN ? AND ?")) {
            destination.setAutoCommit(false);
            PreparedStatement complete = null;
            while (true) {
                read.setInt(1, batchSize);
                long first = -1;
                long last = -1;
                int n = 0;
                try (ResultSet rows = read.executeQuery()) {
                    while (rows.next()) {
                        last = rows.getLong(1);
                        first = first < 0 ? last : first;
                        n++;
                        String id = rows.getString(3);
                        String time = rows.getObject(5, LocalDateTime.class).toString();
                        switch (rows.getString(2)) {
                            case "BEGIN" -> {
                                begin.setString(1, id);
                                begin.setString(2, time);
                                begin.executeUpdate();
                            }
                            case "UPDATE" -> {
                                JsonNode items = JSON.readTree(rows.getBytes(4));
                                List<String> names = new ArrayList<>();
                                items.fieldNames().forEachRemaining(names::add);
                                PreparedStatement update = updates.computeIfAbsent(names, key -> prepareUpdate(destination, active, key));
                                int index = 1;
                                for (String name : names) {
                                    update.setObject(index++, value(items.get(name)));
                                }
                                update.setString(index++, time);
                                update.setString(index, id);
                                update.executeUpdate();
                            }
                            case "END" -> {
                                if (complete == null) {
                                    String list = String.join(", ", itemColumns(destination, "bam_" + activity + "_active"));
                                    complete = destination.prepareStatement("INSERT INTO " + completed + " (ActivityID, LastModified, "
                                            + list + ") SELECT ActivityID, ?, " + list + " FROM " + active + " WHERE ActivityID = ?");
                                    updates.put(List.of("\u0000complete"), complete); // closed with the updates
                                }
                                complete.setString(1, time);
                                complete.setString(2, id);
                                complete.executeUpdate();
                                remove.setString(1, id);
                                remove.executeUpdate();
                            }
                            default -> throw new IllegalStateException("the plain mover handles Begin, Update and End only");
                        }
                    }
                }
                if (n == 0) {
                    return moved;
                }
                destination.commit();
                delete.setLong(1, first);
                delete.setLong(2, last);
                delete.executeUpdate();
                moved += n;
                committed.accept(n);
            }
        } finally {
            for (PreparedStatement update : updates.values()) {
                update.close();
            }
        }
    }

    private static PreparedStatement prepareUpdate(Connection destination, String active, List<String> names) {
        StringBuilder sql = new StringBuilder("UPDATE " + active + " SET ");
        for (String name : names) {
            sql.append(Identifiers.quote(Identifiers.check("item", name, Identifiers.MAX_ITEM_NAME))).append(" = ?, ");
        }
        sql.append("LastModified = ? WHERE ActivityID = ?");
        try {
            return destination.prepareStatement(sql.toString());
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** JSON values as the columns take them; ISO instants become UTC date-times. */
    private static Object value(JsonNode node) {
        if (node.isNumber()) {
            return node.decimalValue();
        }
        String text = node.asText();
        try {
            return LocalDateTime.ofInstant(Instant.parse(text), ZoneOffset.UTC).toString();
        } catch (DateTimeParseException notATime) {
            return text;
        }
    }

    private static List<String> itemColumns(Connection destination, String table) throws java.sql.SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement statement = destination.prepareStatement("SELECT column_name FROM information_schema.columns"
                + " WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position")) {
            statement.setString(1, table);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String column = rows.getString(1);
                    if (!Identifiers.isReserved(column)) {
                        columns.add(Identifiers.quote(column));
                    }
                }
            }
        }
        return columns;
    }
}
