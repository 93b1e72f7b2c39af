package io.bambus.ui.metrics;

import io.bambus.core.alert.OpenAlerts;
import io.bambus.grid.metrics.Metric;
import io.bambus.grid.session.CommitTimes;
import io.bambus.grid.session.SessionRecord;
import io.bambus.ui.live.LiveState;
import io.bambus.ui.live.Views;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The bus's figures in Prometheus text format, through the Prometheus client library: built at
 * each scrape from the session records (which carry the counters and commit-time buckets the
 * members measured), the member list and the destination's open alerts.
 */
public final class BusMetrics implements MultiCollector {

    private final LiveState live;
    private final Supplier<Map<String, SessionRecord>> records;
    private final Supplier<List<OpenAlerts.OpenCount>> openAlerts;
    /** Rule and activity pairs seen open since the UI started: they report 0 once resolved, instead of vanishing. */
    private final Set<List<String>> alertSeries = ConcurrentHashMap.newKeySet();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    /** {@code openAlerts} returns null when the destination cannot be read (the gauge is left out then). */
    public BusMetrics(LiveState live, Supplier<Map<String, SessionRecord>> records,
                      Supplier<List<OpenAlerts.OpenCount>> openAlerts) {
        this.live = live;
        this.records = records;
        this.openAlerts = openAlerts;
        registry.register(this);
    }

    public String contentType() {
        return writer.getContentType();
    }

    public byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.write(out, registry.scrape());
        return out.toByteArray();
    }

    @Override
    public MetricSnapshots collect() {
        Views.ClusterView cluster = live.cluster();
        Map<String, SessionRecord> byId = records.get();
        long now = System.currentTimeMillis();

        CounterSnapshot.Builder moved = CounterSnapshot.builder().name(Metric.SESSION_EVENTS_MOVED.id())
                .help(Metric.SESSION_EVENTS_MOVED.help());
        CounterSnapshot.Builder failed = CounterSnapshot.builder().name(Metric.SESSION_EVENTS_FAILED.id())
                .help(Metric.SESSION_EVENTS_FAILED.help());
        GaugeSnapshot.Builder lag = GaugeSnapshot.builder().name(Metric.SESSION_LAG_EVENTS.id())
                .help(Metric.SESSION_LAG_EVENTS.help());
        GaugeSnapshot.Builder oldest = GaugeSnapshot.builder().name(Metric.SESSION_OLDEST_WAITING_SECONDS.id())
                .help(Metric.SESSION_OLDEST_WAITING_SECONDS.help());
        GaugeSnapshot.Builder held = GaugeSnapshot.builder().name(Metric.SESSION_GAP_WAIT_SECONDS.id())
                .help(Metric.SESSION_GAP_WAIT_SECONDS.help());
        GaugeSnapshot.Builder running = GaugeSnapshot.builder().name(Metric.SESSION_RUNNING.id())
                .help(Metric.SESSION_RUNNING.help());
        HistogramSnapshot.Builder commits = HistogramSnapshot.builder().name(Metric.SESSION_BATCH_COMMIT_SECONDS.id())
                .help(Metric.SESSION_BATCH_COMMIT_SECONDS.help());
        double[] bounds = new double[CommitTimes.BOUNDS.length + 1];
        System.arraycopy(CommitTimes.BOUNDS, 0, bounds, 0, CommitTimes.BOUNDS.length);
        bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
        for (SessionRecord r : byId.values()) {
            Labels labels = Labels.of("session", r.sessionId());
            moved.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(r.eventsMoved()).build());
            failed.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(r.eventsFailed()).build());
            lag.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(r.lagEvents()).build());
            oldest.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels)
                    .value(r.oldestWaitingMillis() == 0 ? 0 : Math.max(0, now - r.oldestWaitingMillis()) / 1000.0).build());
            held.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels)
                    .value(r.heldSinceMillis() == 0 ? 0 : Math.max(0, now - r.heldSinceMillis()) / 1000.0).build());
            running.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels)
                    .value(r.state().runs() ? 1 : 0).build());
            CommitTimes times = r.commitTimes();
            commits.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, times.counts()))
                    .sum(times.sumSeconds()).build());
        }

        GaugeSnapshot.Builder members = GaugeSnapshot.builder().name(Metric.MEMBERS.id())
                .help(Metric.MEMBERS.help());
        members.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(cluster.members().size()).build());
        GaugeSnapshot.Builder perMember = GaugeSnapshot.builder().name(Metric.MEMBER_SESSIONS.id())
                .help(Metric.MEMBER_SESSIONS.help());
        GaugeSnapshot.Builder heap = GaugeSnapshot.builder().name(Metric.MEMBER_HEAP_USED_BYTES.id())
                .help(Metric.MEMBER_HEAP_USED_BYTES.help());
        for (Views.MemberView member : cluster.members()) {
            Labels labels = Labels.of("member", member.address());
            long sessions = cluster.sessions().stream().filter(s -> member.address().equals(s.shownOn())
                    && !"PAUSED".equals(s.state()) && !"DISABLED".equals(s.state())).count();
            perMember.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(sessions).build());
            heap.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(member.heapUsedBytes()).build());
        }
        return new MetricSnapshots(List.of(moved.build(), failed.build(), lag.build(), oldest.build(), held.build(), running.build(),
                commits.build(), members.build(), perMember.build(), heap.build(), alerts()));
    }

    private GaugeSnapshot alerts() {
        GaugeSnapshot.Builder open = GaugeSnapshot.builder().name(Metric.ALERTS_OPEN.id())
                .help(Metric.ALERTS_OPEN.help());
        List<OpenAlerts.OpenCount> counts = openAlerts.get();
        if (counts == null) {
            return open.build();
        }
        Map<List<String>, Long> byRule = new HashMap<>();
        for (OpenAlerts.OpenCount count : counts) {
            byRule.put(List.of(count.rule(), count.activity()), count.open());
        }
        alertSeries.addAll(byRule.keySet());
        List<List<String>> series = new ArrayList<>(alertSeries);
        series.sort(Comparator.comparing((List<String> pair) -> pair.get(0)).thenComparing(pair -> pair.get(1)));
        for (List<String> pair : series) {
            open.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("rule", pair.get(0), "activity",
                    pair.get(1))).value(byRule.getOrDefault(pair, 0L)).build());
        }
        return open.build();
    }
}
