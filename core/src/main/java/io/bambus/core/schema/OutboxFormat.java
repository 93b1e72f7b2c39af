package io.bambus.core.schema;

import java.sql.Connection;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * How an outbox table says that a row is moved: the two layouts its DDL has had. Every statement
 * the bus runs on {@code moved_batch} and {@code moved_at} takes its words from here.
 */
public enum OutboxFormat {

    /**
     * {@code moved_batch} and {@code moved_at} are NOT NULL, with 0 and {@value #NOT_MOVED_AT} for
     * "not moved" ({@link OutboxSchema#ddl}): a mark rewrites two fixed-size values, in place.
     */
    IN_PLACE("moved_batch = 0", "IF(moved_batch = 0, UTC_TIMESTAMP(6), moved_at)", "moved_batch = 0, moved_at = '" + OutboxFormat.NOT_MOVED_AT + "'"),
    /**
     * Both columns nullable, NULL for "not moved" (the DDL before 2026-12): a mark makes every row
     * longer, which InnoDB cannot do in place; about twice the cost (BENCHMARKS.md). Still read
     * and written as it is; docs/operations.md says how to convert it.
     */
    NULLABLE("moved_batch IS NULL", "IF(moved_batch IS NULL, UTC_TIMESTAMP(6), moved_at)", "moved_batch = NULL, moved_at = NULL");

    /** The {@code moved_at} of a row not moved: after every real time, so "moved before T" never matches it. */
    public static final String NOT_MOVED_AT = "9999-12-31 23:59:59.999999";

    private final String unmoved;
    private final String movedAtOnMark;
    private final String unmark;

    OutboxFormat(String unmoved, String movedAtOnMark, String unmark) {
        this.unmoved = unmoved;
        this.movedAtOnMark = movedAtOnMark;
        this.unmark = unmark;
    }

    /** The condition of a row not moved yet (it uses the index on {@code (moved_batch, seq)}). */
    public String unmoved() {
        return unmoved;
    }

    /**
     * The SET list of a mark: {@code moved_at} keeps the first move's time (a claim may mark a batch
     * again), and a row not moved gets the time now whatever its {@code moved_at} said (a row the
     * application wrote one into would otherwise be purged as soon as it is marked). Assigned before
     * {@code moved_batch}: MySQL assigns left to right, the condition reads the row as it was.
     */
    public String mark() {
        return "moved_at = " + movedAtOnMark + ", moved_batch = ?";
    }

    /** The SET list that makes a row not moved again. */
    public String unmark() {
        return unmark;
    }

    /**
     * The format of {@code table} (qualified and quoted), from the nullability of {@code moved_batch}
     * in an empty result's metadata: no information_schema query, which is slow with thousands of tables.
     */
    public static OutboxFormat of(Connection connection, String table) throws SQLException {
        try (Statement probe = connection.createStatement();
             java.sql.ResultSet empty = probe.executeQuery("SELECT moved_batch FROM " + table + " LIMIT 0")) {
            return empty.getMetaData().isNullable(1) == ResultSetMetaData.columnNoNulls ? IN_PLACE : NULLABLE;
        }
    }
}
