package io.bambus.grid.metrics;

import io.bambus.grid.session.CommitTimes;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The member's own Prometheus endpoint ({@code metrics.port} in the bus configuration): the figures
 * of the sessions this member runs and of the member, built at each scrape, labelled {@code member}
 * (and {@code session}); names as the management UI's {@code /metrics} where they mean the same.
 * Read-only figures without authentication: bind it to a private interface. Owns its HTTP server
 * and its {@value #WORKERS} threads ("bambus-metrics-http-N"); {@link #close} stops both. A
 * connection that has not sent its whole request within {@value #MAX_REQUEST_SECONDS} s is closed.
 */
public final class PrometheusEndpoint implements MultiCollector, AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(PrometheusEndpoint.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    static final int WORKERS = 4;
    static final int MAX_REQUEST_SECONDS = 5;
    static final int MAX_RESPONSE_SECONDS = 30;
    private static final double[] BOUNDS = new double[CommitTimes.BOUNDS.length + 1];

    static {
        System.arraycopy(CommitTimes.BOUNDS, 0, BOUNDS, 0, CommitTimes.BOUNDS.length);
        BOUNDS[BOUNDS.length - 1] = Double.POSITIVE_INFINITY;
    }

    private final MemberFigures figures;
    private final String member;
    private final HTTPServer server;
    private final ExecutorService executor;
    private final InetSocketAddress address;

    private PrometheusEndpoint(MemberFigures figures, String member, String host, int port) throws IOException {
        this.figures = figures;
        this.member = member;
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(this);
        // a client that sends its request slowly, or never, holds a worker only this long: the JDK's HTTP
        // server reads these (seconds) once per JVM, so they are set only when nobody set them before
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", String.valueOf(MAX_REQUEST_SECONDS));
        }
        if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
            System.setProperty("sun.net.httpserver.maxRspTime", String.valueOf(MAX_RESPONSE_SECONDS));
        }
        // a scrape is a few hundred lines built from memory: a few threads; a flood beyond the queue waits in the
        // server's own thread (a dropped exchange would leave its scraper waiting)
        executor = new ThreadPoolExecutor(WORKERS, WORKERS, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(64), runnable -> {
            Thread thread = new Thread(runnable, "bambus-metrics-http-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
        try {
            // the library's defaults, not a prometheus.properties some other library put on the member's class path
            server = HTTPServer.builder(PrometheusProperties.builder().build()).hostname(host).port(port)
                    .registry(registry).executorService(executor).buildAndStart();
        } catch (IOException | RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
        address = new InetSocketAddress(host, server.getPort());
    }

    /**
     * Serves {@code figures} on {@code host}:{@code port} (0: any free port) at {@code /metrics};
     * {@code member} is the member's address, the value of the {@code member} label.
     */
    public static PrometheusEndpoint start(MemberFigures figures, String member, String host, int port) throws IOException {
        PrometheusEndpoint endpoint = new PrometheusEndpoint(figures, member, host, port);
        LOG.info("Prometheus metrics of this member at http://{}:{}/metrics (no authentication: read-only figures)",
                endpoint.address.getHostString(), endpoint.address.getPort());
        return endpoint;
    }

    /** Where the endpoint listens (the port chosen when 0 was configured). */
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public MetricSnapshots collect() {
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
        GaugeSnapshot.Builder failing = GaugeSnapshot.builder().name(Metric.SESSION_FAILING.id())
                .help(Metric.SESSION_FAILING.help());
        GaugeSnapshot.Builder epoch = GaugeSnapshot.builder().name(Metric.SESSION_EPOCH.id())
                .help(Metric.SESSION_EPOCH.help());
        HistogramSnapshot.Builder commits = HistogramSnapshot.builder().name(Metric.SESSION_BATCH_COMMIT_SECONDS.id())
                .help(Metric.SESSION_BATCH_COMMIT_SECONDS.help());
        List<SessionFigures> sessions = figures.sessions();
        for (SessionFigures session : sessions) {
            Labels labels = Labels.of("member", member, "session", session.sessionId());
            moved.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(session.eventsMoved()).build());
            failed.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(session.eventsFailed()).build());
            lag.dataPoint(gauge(labels, session.lagEvents()));
            oldest.dataPoint(gauge(labels, session.oldestWaitingAgeMillis(now) / 1000.0));
            held.dataPoint(gauge(labels, session.gapWaitMillis(now) / 1000.0));
            failing.dataPoint(gauge(labels, session.failing() ? 1 : 0));
            epoch.dataPoint(gauge(labels, session.epoch()));
            CommitTimes times = session.commitTimes();
            commits.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS, times.counts()))
                    .sum(times.sumSeconds()).build());
        }

        Labels labels = Labels.of("member", member);
        List<MetricSnapshot> all = new ArrayList<>(List.of(moved.build(), failed.build(),
                lag.build(), oldest.build(), held.build(), failing.build(), epoch.build(), commits.build()));
        all.add(GaugeSnapshot.builder().name(Metric.MEMBER_SESSIONS.id()).help(Metric.MEMBER_SESSIONS.help())
                .dataPoint(gauge(labels, sessions.size())).build());
        all.add(GaugeSnapshot.builder().name(Metric.MEMBER_SESSIONS_ASSIGNED.id())
                .help(Metric.MEMBER_SESSIONS_ASSIGNED.help())
                .dataPoint(gauge(labels, figures.sessionsAssigned())).build());
        all.add(CounterSnapshot.builder().name(Metric.MEMBER_EVENTS_MOVED.id())
                .help(Metric.MEMBER_EVENTS_MOVED.help())
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(figures.eventsMoved()).build())
                .build());
        all.add(GaugeSnapshot.builder().name(Metric.MEMBER_LAG_EVENTS.id())
                .help(Metric.MEMBER_LAG_EVENTS.help())
                .dataPoint(gauge(labels, figures.lagEvents())).build());
        return new MetricSnapshots(all);
    }

    private static GaugeSnapshot.GaugeDataPointSnapshot gauge(Labels labels, double value) {
        return GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    /** Stops the server and its thread. */
    @Override
    public void close() {
        server.close();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        LOG.info("Prometheus metrics endpoint of this member at {}:{} stopped", address.getHostString(), address.getPort());
    }
}
