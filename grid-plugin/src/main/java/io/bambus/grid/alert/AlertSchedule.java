package io.bambus.grid.alert;

import io.bambus.core.alert.StallDetector;
import io.bambus.core.config.Webhook;
import io.bambus.core.alert.WebhookNotifier;
import io.bambus.core.config.BusConfig;
import io.bambus.grid.BusMember;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Evaluates the alert rules every {@code alerts.every} and sends due alerts every second, on
 * exactly one member: the owner of the partition of the key {@value #KEY} (a member loss or leave
 * moves the duty with the partition, as the archiver's). Which member evaluates does not matter
 * to the alerts themselves: their state is in the destination's {@code bam_alerts}. One thread
 * ("bambus-alerts") and the webhook's client, owned and closed by {@link BusMember}.
 */
public final class AlertSchedule implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(AlertSchedule.class);
    public static final String KEY = "bambus.alerts";
    /** How long a stop waits for an attempt in flight, so that its outcome is recorded and not sent again. */
    private static final Duration MAX_STOP_WAIT = Duration.ofSeconds(30);

    private final BusMember member;
    private final StallDetector detector;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "bambus-alerts");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean running = true;
    /** Only the schedule's thread changes it while running; close() takes it after that thread ended. */
    private volatile WebhookNotifier notifier;
    private long nextEvaluationMillis;
    private long retryAfterMillis;
    private boolean duty;

    public AlertSchedule(BusMember member) {
        this.member = member;
        this.detector = new StallDetector(member.destination());
    }

    public void start() {
        executor.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    private void tick() {
        BusConfig.Alerts alerts = member.config().alerts();
        if (!running || !alerts.enabled()) {
            useWebhook(null);
            return;
        }
        long now = System.currentTimeMillis();
        try {
            if (!owner()) {
                if (duty) {
                    duty = false;
                    LOG.info("Alert evaluation moved to another member");
                }
                return;
            }
            if (!duty) {
                duty = true;
                nextEvaluationMillis = 0;
                LOG.info("Alert evaluation runs on this member: {} rule(s) every {} s{}", alerts.rules().size(),
                        alerts.every().toSeconds(), alerts.webhook() == null ? ", no webhook" : ", webhook " + alerts.webhook().safeUrl());
            }
            if (now < retryAfterMillis) {
                return;
            }
            if (now >= nextEvaluationMillis) {
                nextEvaluationMillis = now + alerts.every().toMillis();
                detector.evaluate(alerts.rules(), alerts.keepResolved(), alerts.webhook() != null, this::keepGoing);
            }
            WebhookNotifier sender = useWebhook(alerts.webhook());
            if (sender != null) {
                WebhookNotifier.Round round;
                do {
                    round = sender.sendDue(this::keepGoing);
                } while (round.sent() > 0 && round.failed() == 0 && keepGoing() && System.currentTimeMillis() < nextEvaluationMillis);
            }
        } catch (Exception e) {
            retryAfterMillis = now + Math.min(alerts.every().toMillis(), 30_000);
            LOG.warn("Alert evaluation failed, retrying in {} s: {}", (retryAfterMillis - now) / 1000, e.toString());
        }
    }

    /** The notifier for {@code webhook} (a changed one replaces it), or null when there is none. */
    private WebhookNotifier useWebhook(Webhook webhook) {
        WebhookNotifier current = notifier;
        if (current != null && current.webhook().equals(webhook)) {
            return current;
        }
        if (current != null) {
            current.close();
        }
        notifier = webhook == null ? null : new WebhookNotifier(member.destination(), webhook);
        return notifier;
    }

    private boolean keepGoing() {
        return running && owner();
    }

    private boolean owner() {
        var owner = member.hazelcast().getPartitionService().getPartition(KEY).getOwner();
        return owner != null && owner.localMember();
    }

    /** Stops the schedule: an attempt in flight finishes (bounded) so that its outcome is recorded. Idempotent. */
    @Override
    public void close() {
        running = false;
        executor.shutdown();
        Webhook webhook = member.config().alerts().webhook();
        Duration wait = webhook == null ? Duration.ofSeconds(5) : webhook.timeout().multipliedBy(2).plusSeconds(2);
        try {
            if (!executor.awaitTermination(Math.min(wait.toMillis(), MAX_STOP_WAIT.toMillis()), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
                executor.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        WebhookNotifier current = notifier;
        notifier = null;
        if (current != null) {
            current.close();
        }
    }
}
