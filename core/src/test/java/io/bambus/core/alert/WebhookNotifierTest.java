package io.bambus.core.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.config.Webhook;
import io.bambus.core.config.AlertRule;
import io.bambus.core.testing.BusFixture;
import io.bambus.core.testing.WebhookReceiver;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebhookNotifierTest {

    private static final AlertRule RULE = new AlertRule("received-not-shipped", "PurchaseOrder", "Received", "Shipped",
            Duration.ofMinutes(30));

    private BusFixture bus;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    /** {@code n} active instances received an hour ago and never shipped, raised as alerts. */
    private void stalled(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            bus.execute(bus.destination, "INSERT INTO bam_PurchaseOrder_active (ActivityID, LastModified, BeganAt, Received)"
                    + " VALUES ('po/" + i + " ü', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) - INTERVAL 1 HOUR,"
                    + " UTC_TIMESTAMP(6) - INTERVAL 1 HOUR)");
        }
        assertEquals(n, new StallDetector(bus.destination).evaluate(List.of(RULE), Duration.ofDays(1), true, () -> true)
                .raised().get(RULE.name()));
    }

    private static Webhook webhook(String url, Duration retryFor, String authorization) {
        return new Webhook(URI.create(url), Duration.ofSeconds(2), retryFor, authorization);
    }

    /** Rounds until nothing is due any more; a failed attempt waits for its back-off (polled, with a deadline). */
    private void sendUntilDone(WebhookNotifier notifier) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (bus.count(bus.destination, "SELECT COUNT(*) FROM bam_alerts WHERE next_attempt_at IS NOT NULL") > 0) {
            assertTrue(System.nanoTime() < deadline, "alerts still undelivered after 60 s");
            if (notifier.sendDue(() -> true).sent() == 0) {
                Thread.sleep(50);
            }
        }
    }

    @Test
    void eachAlertIsPostedOnceWithItsFieldsAndIdempotencyKey() throws Exception {
        stalled(3);
        try (WebhookReceiver receiver = new WebhookReceiver(0);
             WebhookNotifier notifier = new WebhookNotifier(bus.destination, webhook(receiver.url("/bam?token=t0p"),
                     Duration.ofHours(1), "Bearer s3cret"))) {
            WebhookNotifier.Round round = notifier.sendDue(() -> true);
            assertEquals(new WebhookNotifier.Round(3, 0, 0), round);
            assertEquals(new WebhookNotifier.Round(0, 0, 0), notifier.sendDue(() -> true), "sent alerts are not sent again");
            assertEquals(Map.of("received-not-shipped/po/0 ü", 1, "received-not-shipped/po/1 ü", 1, "received-not-shipped/po/2 ü", 1),
                    receiver.accepted());
            WebhookReceiver.Call call = receiver.calls().get(0);
            assertEquals("/bam?token=t0p", call.path());
            assertEquals("Bearer s3cret", call.authorization());
            assertEquals("received-not-shipped/" + java.net.URLEncoder.encode(call.body().path("instanceId").asText(),
                    java.nio.charset.StandardCharsets.UTF_8), call.idempotencyKey());
            assertEquals("PurchaseOrder", call.body().path("activity").asText());
            assertEquals("milestone Received without Shipped within 30m", call.body().path("condition").asText());
            assertEquals(1, call.body().path("attempt").asInt());
            for (String field : List.of("since", "due", "detected")) {
                assertTrue(call.body().path(field).asText().endsWith("Z"), field + ": " + call.body());
            }
            assertEquals(3, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_alerts WHERE sent_at IS NOT NULL AND attempts = 1"
                    + " AND next_attempt_at IS NULL"));
        }
    }

    @Test
    void aFailingReceiverIsRetriedWithBackOffAndEachAlertMarkedSentOnce() throws Exception {
        stalled(4);
        try (WebhookReceiver receiver = new WebhookReceiver(3);
             WebhookNotifier notifier = new WebhookNotifier(bus.destination, webhook(receiver.url("/"), Duration.ofHours(1), ""))) {
            assertEquals(new WebhookNotifier.Round(0, 1, 0), notifier.sendDue(() -> true), "a failure ends the round");
            assertEquals("HTTP 500", bus.one(bus.destination, "SELECT last_error FROM bam_alerts WHERE attempts = 1"));
            assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_alerts WHERE attempts = 1"
                    + " AND next_attempt_at > UTC_TIMESTAMP(6) + INTERVAL 500000 MICROSECOND"), "retried after a back-off");
            sendUntilDone(notifier);
            assertEquals(7, receiver.calls().size(), "3 failed calls and 4 deliveries");
            assertEquals(4, receiver.accepted().size());
            assertTrue(receiver.accepted().values().stream().allMatch(n -> n == 1), receiver.accepted().toString());
            assertEquals(4, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_alerts WHERE sent_at IS NOT NULL"
                    + " AND last_error IS NULL"));
            assertEquals(7, bus.count(bus.destination, "SELECT SUM(attempts) FROM bam_alerts"));
        }
    }

    @Test
    void anAlertPastItsRetryWindowIsGivenUp() throws Exception {
        stalled(1);
        try (WebhookReceiver receiver = new WebhookReceiver(1);
             WebhookNotifier notifier = new WebhookNotifier(bus.destination, webhook(receiver.url("/"), Duration.ZERO, ""))) {
            assertEquals(new WebhookNotifier.Round(0, 0, 1), notifier.sendDue(() -> true));
            assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_alerts WHERE gave_up_at IS NOT NULL"
                    + " AND next_attempt_at IS NULL AND sent_at IS NULL"));
            assertEquals(new WebhookNotifier.Round(0, 0, 0), notifier.sendDue(() -> true));
            assertEquals(1, receiver.calls().size());
        }
    }

    @Test
    void twoMembersSendingAtOnceDeliverEachAlertOnce() throws Exception {
        stalled(40);
        try (WebhookReceiver receiver = new WebhookReceiver(0);
             WebhookNotifier first = new WebhookNotifier(bus.destination, webhook(receiver.url("/"), Duration.ofHours(1), ""));
             WebhookNotifier second = new WebhookNotifier(bus.destination, webhook(receiver.url("/"), Duration.ofHours(1), ""))) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Callable<WebhookNotifier.Round>> both = List.of(() -> first.sendDue(() -> true), () -> second.sendDue(() -> true));
                List<Integer> sent = new ArrayList<>();
                for (Future<WebhookNotifier.Round> round : pool.invokeAll(both)) {
                    sent.add(round.get().sent());
                }
                assertEquals(40, sent.get(0) + sent.get(1), sent.toString());
            } finally {
                pool.shutdownNow();
            }
            assertEquals(40, receiver.calls().size());
            assertTrue(receiver.accepted().values().stream().allMatch(n -> n == 1), receiver.accepted().toString());
            assertEquals(40, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_alerts WHERE attempts = 1"));
        }
    }

    @Test
    void logsAndErrorsShowTheUrlWithoutCredentialsOrQuery() {
        Webhook webhook = webhook("https://hooks.example:8443/bam/in?token=t0p", Duration.ofHours(1), "Basic dTpw");
        assertEquals("https://hooks.example:8443/…", webhook.safeUrl(), "a path can hold a secret (Slack, Teams, Discord)");
        assertEquals("https://hooks.example", webhook("https://hooks.example/?token=x", Duration.ofHours(1), "").safeUrl());
        assertFalse(webhook.toString().contains("t0p") || webhook.toString().contains("dTpw"), webhook.toString());
        assertEquals("r/a%2Fb+c%0A", WebhookNotifier.idempotencyKey("r", "a/b c\n"));
        assertEquals(Duration.ofSeconds(1), WebhookNotifier.backoff(1));
        assertEquals(Duration.ofSeconds(8), WebhookNotifier.backoff(4));
        assertEquals(Duration.ofMinutes(5), WebhookNotifier.backoff(40));
    }
}
