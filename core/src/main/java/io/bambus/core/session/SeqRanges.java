package io.bambus.core.session;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A set of outbox sequence numbers as sorted, disjoint closed ranges: the seqs of one batch, which
 * late commits can make non-contiguous. Text form {@code "3-7,9,12-15"} is how checkpoints store it.
 */
public final class SeqRanges implements Serializable {

    public static final SeqRanges EMPTY = new SeqRanges(new long[0]);

    /** Pairs: from0, to0, from1, to1, … */
    private final long[] bounds;

    private SeqRanges(long[] bounds) {
        this.bounds = bounds;
    }

    public static SeqRanges of(long... seqs) {
        long[] sorted = seqs.clone();
        Arrays.sort(sorted);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < sorted.length; i++) {
            long from = sorted[i];
            long to = from;
            while (i + 1 < sorted.length && sorted[i + 1] <= to + 1) {
                to = Math.max(to, sorted[++i]);
            }
            out.add(from);
            out.add(to);
        }
        return new SeqRanges(out.stream().mapToLong(Long::longValue).toArray());
    }

    public static SeqRanges parse(String text) {
        if (text == null || text.isBlank()) {
            return EMPTY;
        }
        String[] parts = text.split(",");
        long[] bounds = new long[parts.length * 2];
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].trim();
            int dash = part.indexOf('-', 1);
            bounds[2 * i] = Long.parseLong(dash < 0 ? part : part.substring(0, dash));
            bounds[2 * i + 1] = Long.parseLong(dash < 0 ? part : part.substring(dash + 1));
        }
        return new SeqRanges(bounds);
    }

    public boolean isEmpty() {
        return bounds.length == 0;
    }

    public int rangeCount() {
        return bounds.length / 2;
    }

    public long from(int range) {
        return bounds[2 * range];
    }

    public long to(int range) {
        return bounds[2 * range + 1];
    }

    public long max() {
        return bounds.length == 0 ? 0 : bounds[bounds.length - 1];
    }

    /** {@code (seq BETWEEN ? AND ? OR …)}; bind with {@link #bind}. */
    public String sqlCondition(String column) {
        StringBuilder sql = new StringBuilder("(");
        for (int i = 0; i < rangeCount(); i++) {
            sql.append(i == 0 ? "" : " OR ").append(column).append(" BETWEEN ? AND ?");
        }
        return sql.append(')').toString();
    }

    /** Binds the bounds from parameter {@code first}; returns the next free parameter index. */
    public int bind(java.sql.PreparedStatement statement, int first) throws java.sql.SQLException {
        int index = first;
        for (long bound : bounds) {
            statement.setLong(index++, bound);
        }
        return index;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < bounds.length; i += 2) {
            if (i > 0) {
                text.append(',');
            }
            text.append(bounds[i]);
            if (bounds[i + 1] != bounds[i]) {
                text.append('-').append(bounds[i + 1]);
            }
        }
        return text.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeqRanges other && Arrays.equals(bounds, other.bounds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bounds);
    }
}
