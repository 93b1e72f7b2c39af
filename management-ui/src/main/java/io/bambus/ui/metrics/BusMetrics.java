package io.bambus.ui.metrics;

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
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The bus's figures in Prometheus text format, through the Prometheus client library: built at
 * each scrape from the session records (which carry the counters and commit-time buckets the
 * members measured) and the member list.
 */
public final class BusMetrics implements MultiCollector {

    private final LiveState live;
    private final Supplier<Map<String, SessionRecord>> records;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    public BusMetrics(LiveState live, Supplier<Map<String, SessionRecord>> records) {
        this.live = live;
        this.records = records;
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

        CounterSnapshot.Builder moved = CounterSnapshot.builder().name("bambus_session_events_moved")
                .help("Events applied to the destination, per session");
        CounterSnapshot.Builder failed = CounterSnapshot.builder().name("bambus_session_events_failed")
                .help("Events quarantined in bam_failed_events, per session");
        GaugeSnapshot.Builder lag = GaugeSnapshot.builder().name("bambus_session_lag_events")
                .help("Events waiting in the session's source outbox");
        GaugeSnapshot.Builder oldest = GaugeSnapshot.builder().name("bambus_session_oldest_waiting_seconds")
                .help("Age of the oldest event waiting in the source (0 when none waits)");
        GaugeSnapshot.Builder held = GaugeSnapshot.builder().name("bambus_session_gap_wait_seconds")
                .help("How long the session has waited for an outbox seq an open application transaction holds (0: none)");
        GaugeSnapshot.Builder running = GaugeSnapshot.builder().name("bambus_session_running")
                .help("1 when the session's state is RUNNING or FAILING (it is run), else 0");
        HistogramSnapshot.Builder commits = HistogramSnapshot.builder().name("bambus_session_batch_commit_seconds")
                .help("Time from a batch's read to its destination commit, per session");
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

        GaugeSnapshot.Builder members = GaugeSnapshot.builder().name("bambus_members")
                .help("Members in the cluster, as the UI's client sees it");
        members.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(cluster.members().size()).build());
        GaugeSnapshot.Builder perMember = GaugeSnapshot.builder().name("bambus_member_sessions")
                .help("Sessions each member runs");
        GaugeSnapshot.Builder heap = GaugeSnapshot.builder().name("bambus_member_heap_used_bytes")
                .help("Heap in use on each member, as it last published");
        for (Views.MemberView member : cluster.members()) {
            Labels labels = Labels.of("member", member.address());
            long sessions = cluster.sessions().stream().filter(s -> member.address().equals(s.shownOn())
                    && !"PAUSED".equals(s.state()) && !"DISABLED".equals(s.state())).count();
            perMember.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(sessions).build());
            heap.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(member.heapUsedBytes()).build());
        }
        return new MetricSnapshots(List.of(moved.build(), failed.build(), lag.build(), oldest.build(), held.build(), running.build(),
                commits.build(), members.build(), perMember.build(), heap.build()));
    }
}
