package io.bambus.grid.alert;

import com.hazelcast.partition.PartitionService;
import io.bambus.core.alert.StallDetector;
import io.bambus.core.alert.WebhookNotifier;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.Webhook;
import io.bambus.grid.duty.OwnerDuty;
import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Evaluates the alert rules every {@code alerts.every} and sends due alerts every second, on
 * exactly one member: the owner of the partition of the key {@value #KEY} ({@link OwnerDuty}, as
 * the archiver's). Which member evaluates does not matter to the alerts themselves: their state is
 * in the destination's {@code bam_alerts}. Owns the webhook's client; closed by the member.
 */
public final class AlertSchedule implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(AlertSchedule.class);
    public static final String KEY = "bambus.alerts";
    /** How long a stop waits for an attempt in flight, so that its outcome is recorded and not sent again. */
    private static final Duration MAX_STOP_WAIT = Duration.ofSeconds(30);

    private final Supplier<BusConfig.Alerts> alerts;
    private final DataSource destination;
    private final StallDetector detector;
    private final Supplier<Set<String>> rulesOfAllMembers;
    private final OwnerDuty duty;
    /** Only the duty's thread changes it while running; close() takes it after that thread ended. */
    private volatile WebhookNotifier notifier;
    private long nextEvaluationMillis;
    private long retryAfterMillis;
    private boolean held;

    /**
     * {@code alerts}: the section as the bus file says now (an edit reaches the next round);
     * {@code rulesOfAllMembers}: the rule names every member's bus file has (none is retired while one has it).
     */
    public AlertSchedule(Supplier<BusConfig.Alerts> alerts, Supplier<Set<String>> rulesOfAllMembers, DataSource destination,
                         PartitionService partitions) {
        this.alerts = alerts;
        this.rulesOfAllMembers = rulesOfAllMembers;
        this.destination = destination;
        this.detector = new StallDetector(destination);
        this.duty = new OwnerDuty("alerts", KEY, partitions);
    }

    public void start() {
        duty.start(this::tick);
    }

    private void tick(boolean holds) {
        BusConfig.Alerts current = alerts.get();
        if (!current.enabled() || !holds) {
            held = false;
            if (!current.enabled()) {
                useWebhook(null);
            }
            return;
        }
        long now = System.currentTimeMillis();
        try {
            if (!held) {
                held = true;
                nextEvaluationMillis = 0;
                LOG.info("Alert evaluation runs on this member: {} rule(s) every {} s{}", current.rules().size(),
                        current.every().toSeconds(), current.webhook() == null ? ", no webhook"
                                : ", webhook " + current.webhook().safeUrl());
            }
            if (now < retryAfterMillis) {
                return;
            }
            if (now >= nextEvaluationMillis) {
                nextEvaluationMillis = now + current.every().toMillis();
                detector.evaluate(current.rules(), current.keepResolved(), current.webhook() != null, rulesOfAllMembers.get(),
                        duty::holds);
            }
            WebhookNotifier sender = useWebhook(current.webhook());
            if (sender != null) {
                WebhookNotifier.Round round;
                do {
                    round = sender.sendDue(duty::holds);
                } while (round.sent() > 0 && round.failed() == 0 && duty.holds() && System.currentTimeMillis() < nextEvaluationMillis);
            }
        } catch (Exception e) {
            retryAfterMillis = now + Math.min(current.every().toMillis(), 30_000);
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
        notifier = webhook == null ? null : new WebhookNotifier(destination, webhook);
        return notifier;
    }

    /** Stops the schedule: an attempt in flight finishes (bounded) so that its outcome is recorded. Idempotent. */
    @Override
    public void close() {
        Webhook webhook = alerts.get().webhook();
        Duration wait = webhook == null ? Duration.ofSeconds(5) : webhook.timeout().multipliedBy(2).plusSeconds(2);
        duty.close(wait.compareTo(MAX_STOP_WAIT) > 0 ? MAX_STOP_WAIT : wait);
        WebhookNotifier current = notifier;
        notifier = null;
        if (current != null) {
            current.close();
        }
    }
}
