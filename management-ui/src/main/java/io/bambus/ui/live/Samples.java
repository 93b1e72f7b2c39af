package io.bambus.ui.live;

import io.bambus.grid.session.CommitTimes;
import io.bambus.grid.session.SessionRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Each session's figures as the UI sampled them (every {@value LiveState#SAMPLE_MILLIS} ms, for
 * {@value LiveState#SAMPLES} samples), turned into the charts' series: events/s, events waiting,
 * and commit latency (mean and 95th percentile of the batches committed between two samples,
 * from the histogram the members keep in each record). Not thread-safe: {@link LiveState} guards it.
 */
final class Samples {

    private record Sample(long millis, long moved, long lag, long[] buckets, double sumSeconds) {
    }

    /** Between two samples: events moved, the lag at the end, and the commits' histogram. */
    private record Step(long millis, double rate, long lag, long[] buckets, double sumSeconds) {
    }

    private final Map<String, Deque<Sample>> bySession = new HashMap<>();
    private final int kept;

    Samples(int kept) {
        this.kept = kept;
    }

    void add(long now, SessionRecord record) {
        Deque<Sample> points = bySession.computeIfAbsent(record.sessionId(), id -> new ArrayDeque<>());
        CommitTimes commits = record.commitTimes() == null ? CommitTimes.EMPTY : record.commitTimes();
        points.addLast(new Sample(now, record.eventsMoved(), record.lagEvents(), commits.counts(), commits.sumSeconds()));
        while (points.size() > kept + 1) {
            points.removeFirst();
        }
    }

    void retain(List<String> sessions) {
        bySession.keySet().retainAll(sessions);
    }

    /** The session's newest events/s, 0 before two samples. */
    double latestRate(String session) {
        Deque<Sample> points = bySession.get(session);
        if (points == null || points.size() < 2) {
            return 0;
        }
        Sample b = points.getLast();
        Sample a = points.stream().skip(points.size() - 2).findFirst().orElse(b);
        return b.millis == a.millis ? 0 : Math.max(0, b.moved - a.moved) * 1000.0 / (b.millis - a.millis);
    }

    Views.Series series(String session) {
        Deque<Sample> points = bySession.get(session);
        return points == null ? null : series(session, steps(points));
    }

    /** Every session's events/s only, for the sessions table's small charts. */
    List<Views.Series> rates() {
        List<Views.Series> result = new ArrayList<>();
        bySession.forEach((session, points) -> {
            List<Step> steps = steps(points);
            long[] millis = new long[steps.size()];
            Double[] rates = new Double[steps.size()];
            for (int i = 0; i < steps.size(); i++) {
                millis[i] = steps.get(i).millis;
                rates[i] = steps.get(i).rate;
            }
            result.add(new Views.Series(session, millis, rates, null, null, null));
        });
        result.sort((a, b) -> a.session().compareTo(b.session()));
        return result;
    }

    /** All sessions together: events/s and lag summed, commit latency over every session's batches. */
    Views.Series total() {
        TreeMap<Long, Step> sum = new TreeMap<>();
        for (Deque<Sample> points : bySession.values()) {
            for (Step step : steps(points)) {
                sum.merge(step.millis, step, (a, b) -> {
                    long[] buckets = a.buckets.clone();
                    for (int i = 0; i < buckets.length; i++) {
                        buckets[i] += b.buckets[i];
                    }
                    return new Step(a.millis, a.rate + b.rate, a.lag + b.lag, buckets, a.sumSeconds + b.sumSeconds);
                });
            }
        }
        return series("total", new ArrayList<>(sum.values()));
    }

    private static List<Step> steps(Deque<Sample> points) {
        List<Sample> list = new ArrayList<>(points);
        List<Step> steps = new ArrayList<>();
        for (int i = 1; i < list.size(); i++) {
            Sample a = list.get(i - 1);
            Sample b = list.get(i);
            long[] buckets = new long[b.buckets.length];
            boolean reset = false;
            for (int k = 0; k < buckets.length; k++) {
                buckets[k] = b.buckets[k] - (k < a.buckets.length ? a.buckets[k] : 0);
                reset |= buckets[k] < 0;
            }
            if (reset) {
                buckets = new long[b.buckets.length];
            }
            double rate = b.millis == a.millis ? 0 : Math.max(0, b.moved - a.moved) * 1000.0 / (b.millis - a.millis);
            steps.add(new Step(b.millis, rate, b.lag, buckets, reset ? 0 : Math.max(0, b.sumSeconds - a.sumSeconds)));
        }
        return steps;
    }

    private static Views.Series series(String session, List<Step> steps) {
        int n = steps.size();
        long[] millis = new long[n];
        Double[] rates = new Double[n];
        Long[] lags = new Long[n];
        Double[] mean = new Double[n];
        Double[] p95 = new Double[n];
        for (int i = 0; i < n; i++) {
            Step step = steps.get(i);
            millis[i] = step.millis;
            rates[i] = step.rate;
            lags[i] = step.lag;
            long count = 0;
            for (long c : step.buckets) {
                count += c;
            }
            mean[i] = count == 0 ? null : step.sumSeconds / count;
            p95[i] = count == 0 ? null : quantile(step.buckets, count, 0.95);
        }
        return new Views.Series(session, millis, rates, lags, mean, p95);
    }

    /** The {@code q} quantile of a histogram, interpolated within its bucket (the last, open bucket reports its lower bound). */
    static double quantile(long[] buckets, long count, double q) {
        double target = q * count;
        long below = 0;
        for (int i = 0; i < buckets.length; i++) {
            if (buckets[i] > 0 && below + buckets[i] >= target) {
                double lower = i == 0 ? 0 : CommitTimes.BOUNDS[i - 1];
                if (i >= CommitTimes.BOUNDS.length) {
                    return lower;
                }
                double upper = CommitTimes.BOUNDS[i];
                return lower + (upper - lower) * (target - below) / buckets[i];
            }
            below += buckets[i];
        }
        return CommitTimes.BOUNDS[CommitTimes.BOUNDS.length - 1];
    }
}
