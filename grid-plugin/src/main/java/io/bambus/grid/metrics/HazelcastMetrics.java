package io.bambus.grid.metrics;

import static com.hazelcast.internal.metrics.ProbeLevel.INFO;
import static com.hazelcast.internal.metrics.ProbeUnit.BOOLEAN;
import static com.hazelcast.internal.metrics.ProbeUnit.COUNT;
import static com.hazelcast.internal.metrics.ProbeUnit.MS;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.metrics.DynamicMetricsProvider;
import com.hazelcast.internal.metrics.MetricDescriptor;
import com.hazelcast.internal.metrics.MetricsCollectionContext;
import com.hazelcast.internal.metrics.MetricsRegistry;
import com.hazelcast.jet.impl.util.Util;
import io.bambus.grid.session.CommitTimes;
import java.util.List;

/**
 * The member's figures in Hazelcast's own metrics, collected with the member's other metrics (every
 * {@code metrics.collection-frequency-seconds}, 5 s by default) and so published to JMX (on by
 * default: {@code metrics.jmx.enabled}) and sent to Management Center. In JMX:
 * {@code com.hazelcast.bambus:type=Metrics,instance=NAME,prefix=bambus.member} and one
 * {@code ...,prefix=bambus.session,tag0="session=ID"} per session this member runs.
 *
 * <p>Hazelcast has no public API for a plugin's metrics: this is its internal one
 * ({@code DynamicMetricsProvider}, as its own services use), so {@code MemberMetricsInProcessTest}
 * fails if an upgrade changes it.
 */
public final class HazelcastMetrics implements DynamicMetricsProvider, AutoCloseable {

    /** The JMX domain becomes {@code com.hazelcast.bambus}, beside Jet's {@code com.hazelcast.jet}. */
    static final String MODULE = "bambus";
    public static final String MEMBER_PREFIX = "bambus.member";
    public static final String SESSION_PREFIX = "bambus.session";
    private static final String[] WITHIN = new String[CommitTimes.BOUNDS.length];

    static {
        for (int i = 0; i < WITHIN.length; i++) {
            WITHIN[i] = "batchCommitsWithin" + Math.round(CommitTimes.BOUNDS[i] * 1000) + "ms";
        }
    }

    private final MetricsRegistry registry;
    private final MemberFigures figures;

    private HazelcastMetrics(MetricsRegistry registry, MemberFigures figures) {
        this.registry = registry;
        this.figures = figures;
    }

    /** Registers {@code figures} with the metrics of the member {@code hz}; close to take them off. */
    public static HazelcastMetrics register(HazelcastInstance hz, MemberFigures figures) {
        MetricsRegistry registry = Util.getNodeEngine(hz).getMetricsRegistry();
        HazelcastMetrics metrics = new HazelcastMetrics(registry, figures);
        registry.registerDynamicMetricsProvider(metrics);
        return metrics;
    }

    @Override
    public void provideDynamicMetrics(MetricDescriptor descriptor, MetricsCollectionContext context) {
        long now = System.currentTimeMillis();
        MetricDescriptor member = descriptor.copy().withPrefix(MEMBER_PREFIX).withTag("module", MODULE);
        context.collect(member, "sessionsAssigned", INFO, COUNT, figures.sessionsAssigned());
        List<SessionFigures> sessions = figures.sessions();
        context.collect(member, "sessionsRunning", INFO, COUNT, sessions.size());
        context.collect(member, "eventsMoved", INFO, COUNT, figures.eventsMoved());
        context.collect(member, "eventsPerSecond", INFO, COUNT, figures.eventsPerSecond(System.nanoTime()));
        context.collect(member, "lagEvents", INFO, COUNT, figures.lagEvents());

        for (SessionFigures session : sessions) {
            MetricDescriptor d = descriptor.copy().withPrefix(SESSION_PREFIX).withTag("module", MODULE)
                    .withDiscriminator("session", session.sessionId());
            context.collect(d, "epoch", INFO, COUNT, session.epoch());
            context.collect(d, "eventsMoved", INFO, COUNT, session.eventsMoved());
            context.collect(d, "eventsFailed", INFO, COUNT, session.eventsFailed());
            context.collect(d, "lagEvents", INFO, COUNT, session.lagEvents());
            context.collect(d, "oldestWaitingAge", INFO, MS, session.oldestWaitingAgeMillis(now));
            context.collect(d, "gapWait", INFO, MS, session.gapWaitMillis(now));
            context.collect(d, "failing", INFO, BOOLEAN, session.failing() ? 1 : 0);
            context.collect(d, "lastBatchCommitTime", INFO, MS, session.lastCommitNanos() / 1e6);
            // the histogram as JMX can show it: cumulative counts per bound, their total and sum
            CommitTimes times = session.commitTimes();
            long[] counts = times.counts();
            long within = 0;
            for (int i = 0; i < WITHIN.length; i++) {
                within += counts[i];
                context.collect(d, WITHIN[i], INFO, COUNT, within);
            }
            context.collect(d, "batchCommits", INFO, COUNT, within + counts[WITHIN.length]);
            context.collect(d, "batchCommitTimeTotal", INFO, MS, times.sumSeconds() * 1000);
        }
    }

    @Override
    public void close() {
        registry.deregisterDynamicMetricsProvider(this);
    }
}
