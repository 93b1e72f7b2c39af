package io.bambus.core.alert;

import io.bambus.core.config.Durations;
import io.bambus.core.config.Webhook;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bambus.core.sql.Identifiers;
import io.bambus.core.sql.SqlTimes;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * POSTs alerts that want a delivery ({@code next_attempt_at} due) to the webhook, one at a time,
 * and records the outcome in {@code bam_alerts}. An alert is marked sent only after a 2xx answer;
 * a failure is retried with back-off (1 s doubling to 5 min) until {@code retryFor} after its
 * detection, then given up.
 *
 * <p>Before an attempt the alert is claimed: {@code next_attempt_at} moves from the value read to
 * the end of a lease (twice the timeout + 30 s) in one conditional update, so two members (a duty handed
 * over mid-round) never send it at once. What stays possible, and why receivers get an
 * {@code Idempotency-Key}: a receiver that took a request whose 2xx never reached us (a timeout,
 * a crash before the mark), or a member paused past its lease, gets the same alert again.
 *
 * <p>Owns its HTTP client and the client's threads; {@link #close} ends them.
 */
public final class WebhookNotifier implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(WebhookNotifier.class);
    private static final int ROUND = 100;
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofMinutes(5);
    private static final Duration LEASE_MARGIN = Duration.ofSeconds(30);

    private final DataSource destination;
    private final Webhook webhook;
    private final ExecutorService executor;
    private final HttpClient client;
    private final ObjectMapper json = new ObjectMapper();

    public WebhookNotifier(DataSource destination, Webhook webhook) {
        this.destination = destination;
        this.webhook = webhook;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "bambus-webhook");
            thread.setDaemon(true);
            return thread;
        });
        this.client = HttpClient.newBuilder().executor(executor).connectTimeout(webhook.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
    }

    public Webhook webhook() {
        return webhook;
    }

    /** One alert due for delivery, as read. */
    private record Due(String rule, String activityId, String activity, String condition, LocalDateTime since,
                       LocalDateTime due, LocalDateTime detected, LocalDateTime nextAttempt, int attempts) {
    }

    /** What one round did: alerts delivered, attempts that failed (to be retried), alerts given up. */
    public record Round(int sent, int failed, int gaveUp) {
    }

    /**
     * Sends the alerts due now, oldest due first, up to 100, while {@code keepGoing} says so. A failed
     * attempt ends the round (the receiver is probably down; the others wait for the next round).
     */
    public Round sendDue(BooleanSupplier keepGoing) throws SQLException {
        List<Due> due = new ArrayList<>();
        LocalDateTime dbNow;
        long readNanos;
        try (Connection connection = destination.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT rule, activity_id, activity, rule_text, since_at,"
                     + " due_at, detected_at, next_attempt_at, attempts, UTC_TIMESTAMP(6) FROM bam_alerts"
                     + " WHERE next_attempt_at <= UTC_TIMESTAMP(6) ORDER BY next_attempt_at LIMIT " + ROUND);
             ResultSet rows = select.executeQuery()) {
            dbNow = null;
            while (rows.next()) {
                due.add(new Due(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
                        SqlTimes.read(rows, 5), SqlTimes.read(rows, 6), SqlTimes.read(rows, 7), SqlTimes.read(rows, 8),
                        rows.getInt(9)));
                dbNow = SqlTimes.read(rows, 10);
            }
            readNanos = System.nanoTime();
        }
        Map<String, Integer> sent = new LinkedHashMap<>();
        int failed = 0;
        int gaveUp = 0;
        for (Due alert : due) {
            if (!keepGoing.getAsBoolean()) {
                break;
            }
            // the database's clock, carried forward by ours: leases and retries are compared with it
            LocalDateTime now = dbNow.plusNanos(System.nanoTime() - readNanos);
            // connect and response each take at most the timeout; the margin covers the database round trips
            LocalDateTime leaseEnd = now.plus(webhook.timeout().multipliedBy(2)).plus(LEASE_MARGIN);
            long claimed = System.nanoTime();
            if (!claim(alert, leaseEnd)) {
                continue; // another member took it (a duty handover) or it was resolved meanwhile
            }
            if (System.nanoTime() - claimed > LEASE_MARGIN.toNanos() / 2) {
                continue; // this member stalled after the claim: the lease may be nearly over, leave it to whoever comes next
            }
            int attempt = alert.attempts() + 1;
            String error = post(alert, attempt);
            if (error == null) {
                markSent(alert);
                sent.merge(alert.rule(), 1, Integer::sum);
                continue;
            }
            LocalDateTime failedAt = dbNow.plusNanos(System.nanoTime() - readNanos);
            boolean giveUp = !failedAt.isBefore(alert.detected().plus(webhook.retryFor()));
            Duration retry = giveUp ? null : backoff(attempt);
            markFailed(alert, leaseEnd, error, giveUp ? null : failedAt.plus(retry));
            if (giveUp) {
                gaveUp++;
                LOG.warn("Alert delivery to {} failed: {}; gave up on rule {} instance {} after {} attempt(s) in {}"
                        + " (alerts.webhook.retryFor)", webhook.safeUrl(), error, alert.rule(),
                        Identifiers.escaped(alert.activityId(), 128), attempt, Durations.text(webhook.retryFor()));
            } else {
                failed++;
                LOG.warn("Alert delivery to {} failed: {} (rule {}, instance {}, attempt {}); retrying in {}, {} more due now",
                        webhook.safeUrl(), error, alert.rule(), Identifiers.escaped(alert.activityId(), 128), attempt,
                        Durations.text(retry), due.size() - due.indexOf(alert) - 1);
            }
            break;
        }
        int total = sent.values().stream().mapToInt(Integer::intValue).sum();
        if (total > 0) {
            LOG.info("Alerts sent to {}: {} ({})", webhook.safeUrl(), total, sent.entrySet().stream()
                    .map(e -> "rule " + e.getKey() + ": " + e.getValue()).reduce((a, b) -> a + ", " + b).orElse(""));
        }
        return new Round(total, failed, gaveUp);
    }

    static Duration backoff(int attempt) {
        Duration wait = FIRST_RETRY.multipliedBy(1L << Math.min(20, Math.max(0, attempt - 1)));
        return wait.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : wait;
    }

    private boolean claim(Due alert, LocalDateTime leaseEnd) throws SQLException {
        try (Connection connection = destination.getConnection();
             PreparedStatement update = connection.prepareStatement("UPDATE bam_alerts SET next_attempt_at = ?,"
                     + " attempts = attempts + 1 WHERE rule = ? AND activity_id = ? AND next_attempt_at = ?")) {
            SqlTimes.bind(update, 1, leaseEnd);
            update.setString(2, alert.rule());
            update.setString(3, alert.activityId());
            SqlTimes.bind(update, 4, alert.nextAttempt());
            return update.executeUpdate() == 1;
        }
    }

    private void markSent(Due alert) throws SQLException {
        try (Connection connection = destination.getConnection();
             PreparedStatement update = connection.prepareStatement("UPDATE bam_alerts SET sent_at = UTC_TIMESTAMP(6),"
                     + " next_attempt_at = NULL, last_error = NULL WHERE rule = ? AND activity_id = ? AND sent_at IS NULL")) {
            update.setString(1, alert.rule());
            update.setString(2, alert.activityId());
            update.executeUpdate();
        }
    }

    /** Records a failed attempt: the next one at {@code retryAt}, or given up when that is null. Only under our lease. */
    private void markFailed(Due alert, LocalDateTime leaseEnd, String error, LocalDateTime retryAt) throws SQLException {
        try (Connection connection = destination.getConnection();
             PreparedStatement update = connection.prepareStatement("UPDATE bam_alerts SET last_error = ?, next_attempt_at = ?,"
                     + " gave_up_at = " + (retryAt == null ? "UTC_TIMESTAMP(6)" : "NULL")
                     + " WHERE rule = ? AND activity_id = ? AND next_attempt_at = ?")) {
            update.setString(1, Identifiers.shorten(error, 490));
            SqlTimes.bind(update, 2, retryAt);
            update.setString(3, alert.rule());
            update.setString(4, alert.activityId());
            SqlTimes.bind(update, 5, leaseEnd);
            update.executeUpdate();
        }
    }

    /** One POST; null when the receiver answered 2xx, else what went wrong (no URL user info or query in it). */
    private String post(Due alert, int attempt) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("rule", alert.rule());
        body.put("activity", alert.activity());
        body.put("instanceId", alert.activityId());
        body.put("condition", alert.condition());
        body.put("since", utc(alert.since()));
        body.put("due", utc(alert.due()));
        body.put("detected", utc(alert.detected()));
        body.put("attempt", attempt);
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(webhook.uri()).timeout(webhook.timeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "bambus-alerts")
                    .header("Idempotency-Key", idempotencyKey(alert.rule(), alert.activityId()))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (!webhook.authorization().isEmpty()) {
            request.header("Authorization", webhook.authorization());
        }
        try {
            // the request timeout ends at the response's headers: the whole exchange, body included, gets a deadline too
            java.util.concurrent.CompletableFuture<HttpResponse<Void>> pending = client.sendAsync(request.build(),
                    HttpResponse.BodyHandlers.discarding());
            try {
                HttpResponse<Void> response = pending.get(webhook.timeout().toMillis() * 2, java.util.concurrent.TimeUnit.MILLISECONDS);
                return response.statusCode() / 100 == 2 ? null : "HTTP " + response.statusCode();
            } catch (java.util.concurrent.TimeoutException e) {
                pending.cancel(true);
                return "no complete answer within " + webhook.timeout().toMillis() * 2 + " ms";
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                return safe(cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted (the member is stopping)";
        }
    }

    /** {@code rule/ActivityID}, the id URL-encoded (a header carries ASCII only): the same for every attempt. */
    public static String idempotencyKey(String rule, String activityId) {
        return rule + "/" + URLEncoder.encode(activityId, StandardCharsets.UTF_8);
    }

    private String safe(String text) {
        return text.replace(webhook.uri().toString(), webhook.safeUrl());
    }

    private static String utc(LocalDateTime time) {
        return time.toInstant(ZoneOffset.UTC).toString();
    }

    @Override
    public void close() {
        // Java 21's HttpClient is AutoCloseable and ends its selector thread; on 17 that thread ends once the client is unreachable
        if ((Object) client instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debug("Webhook client close: {}", e.toString());
            }
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
