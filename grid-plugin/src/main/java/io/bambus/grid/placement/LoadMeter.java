package io.bambus.grid.placement;

import io.bambus.grid.session.SessionRecord;
import java.util.HashMap;
import java.util.Map;

/**
 * A session's load as the placement weighs it: events/s moved, averaged over about
 * {@value #WINDOW_SECONDS} s (an exponential moving average of the records' counters), plus its
 * lag spread over the same window (the events it must catch up on).
 */
final class LoadMeter {

    static final double WINDOW_SECONDS = 120;

    private record Sample(long moved, long millis, double rate) {
    }

    private final Map<String, Sample> samples = new HashMap<>();

    /** Takes the records' counters at {@code now}; sessions without a record are forgotten. */
    void update(Map<String, SessionRecord> records, long now) {
        samples.keySet().retainAll(records.keySet());
        records.forEach((id, record) -> {
            Sample last = samples.get(id);
            if (last == null || record.eventsMoved() < last.moved() || now <= last.millis()) {
                samples.put(id, new Sample(record.eventsMoved(), now, last == null ? 0 : last.rate()));
                return;
            }
            double seconds = (now - last.millis()) / 1000.0;
            double rate = (record.eventsMoved() - last.moved()) / seconds;
            double alpha = 1 - Math.exp(-seconds / WINDOW_SECONDS);
            samples.put(id, new Sample(record.eventsMoved(), now, last.rate() + alpha * (rate - last.rate())));
        });
    }

    /** Events/s moved recently. */
    double rate(String session) {
        Sample sample = samples.get(session);
        return sample == null ? 0 : sample.rate();
    }

    /** The weights of {@code records}: rate plus lag over the window. */
    Map<String, Double> weights(Map<String, SessionRecord> records) {
        Map<String, Double> weights = new HashMap<>();
        records.forEach((id, record) -> weights.put(id, rate(id) + Math.max(0, record.lagEvents()) / WINDOW_SECONDS));
        return weights;
    }
}
