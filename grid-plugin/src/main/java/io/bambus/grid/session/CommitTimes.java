package io.bambus.grid.session;

import java.io.Serializable;
import java.util.Arrays;

/**
 * How long a session's batches took from the start of their read to their destination commit, as
 * counts per bucket (not cumulative) plus their sum: the data of a Prometheus histogram, carried in
 * the session record so it survives moves.
 */
public record CommitTimes(long[] counts, double sumSeconds) implements Serializable {

    /** Upper bounds of the buckets in seconds; the last bucket (+Inf) has no entry here. */
    public static final double[] BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    public static final CommitTimes EMPTY = new CommitTimes(new long[BOUNDS.length + 1], 0);

    public CommitTimes {
        counts = counts.clone();
    }

    @Override
    public long[] counts() {
        return counts.clone();
    }

    /** The counts themselves, not a copy: for the record's serializer, which only reads them. */
    long[] countsView() {
        return counts;
    }

    public long total() {
        return Arrays.stream(counts).sum();
    }

    public CommitTimes plus(CommitTimes more) {
        if (more == null || more.total() == 0) {
            return this;
        }
        long[] sum = counts.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += more.counts[i];
        }
        return new CommitTimes(sum, sumSeconds + more.sumSeconds);
    }

    /** Counts one more batch that took {@code seconds}. */
    public CommitTimes plus(double seconds) {
        long[] next = counts.clone();
        next[bucketOf(seconds)]++;
        return new CommitTimes(next, sumSeconds + seconds);
    }

    /** The index of the bucket that counts a batch of {@code seconds} (the last one: above every bound). */
    public static int bucketOf(double seconds) {
        int bucket = 0;
        while (bucket < BOUNDS.length && seconds > BOUNDS[bucket]) {
            bucket++;
        }
        return bucket;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CommitTimes that && Arrays.equals(counts, that.counts) && sumSeconds == that.sumSeconds;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts) * 31 + Double.hashCode(sumSeconds);
    }
}
