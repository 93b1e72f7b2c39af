package io.bambus.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.Producer;
import io.bambus.ui.testing.ApiClient;
import io.bambus.ui.testing.RawHttp;
import io.bambus.ui.testing.UiConfigs;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The hostile pass against a running UI, over HTTP: each test is one finding of issue 15, and
 * fails on the code that had it. Requests from distinct client addresses use 127.0.0.2 … as
 * their source. One member, one session with a producer, the UI with an operator and a viewer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class HostilePassIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private BusEnvironment env;
    private ClusterFixture cluster;
    private Producer producer;
    private ManagementUi ui;
    /** The UI's clock: real time plus an offset, or frozen at a value while a test needs it to stand still. */
    private final AtomicLong clockOffset = new AtomicLong();
    private final AtomicLong frozen = new AtomicLong();
    private int port;
    private String base;

    @BeforeAll
    void start() throws Exception {
        env = new BusEnvironment(List.of("shop"), null);
        cluster = new ClusterFixture(env.configFile);
        HazelcastInstance member = cluster.start(0);
        Await.until("the session to run", TIMEOUT, () -> ClusterFixture.running(member).size() == 1);
        producer = new Producer("shop", env.sources.get("shop"), 20);
        Map<String, String> users = new LinkedHashMap<>();
        users.put("olga", "operator:operator-pass");
        users.put("vic", "viewer:viewer-pass");
        users.put("pam", "viewer:scraper-pass");
        ui = new ManagementUi(UiConfigs.of(cluster, env.destinationJdbcUrl(), env.user(), env.password(), users),
                this::now).start();
        port = ui.port();
        base = "http://127.0.0.1:" + port;
    }

    private long now() {
        long at = frozen.get();
        return at != 0 ? at : System.currentTimeMillis() + clockOffset.get();
    }

    /** Stops the UI's clock (throttle waits never run out) until the returned handle is closed. */
    private AutoCloseable freeze() {
        frozen.set(System.currentTimeMillis() + clockOffset.get());
        return () -> frozen.set(0);
    }

    @AfterAll
    void stop() throws Exception {
        if (ui != null) {
            ui.close();
        }
        if (producer != null) {
            producer.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (env != null) {
            env.close();
        }
    }

    @Test
    void twoHundredParallelWrongLoginsGetAtMostThreeGuessesChecked() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try (AutoCloseable stopped = freeze()) {
            List<Callable<Integer>> guesses = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String guess = "guess-" + i;
                guesses.add(() -> RawHttp.login("127.0.0.20", port, "olga", guess).status());
            }
            Map<Integer, Integer> byStatus = new java.util.TreeMap<>();
            for (Future<Integer> f : pool.invokeAll(guesses)) {
                byStatus.merge(f.get(), 1, Integer::sum);
            }
            System.out.println("200 parallel wrong logins for one user from one address, by status: " + byStatus);
            assertTrue(byStatus.getOrDefault(401, 0) <= 3, "at most 3 guesses were checked: " + byStatus);
            assertEquals(200, byStatus.getOrDefault(401, 0) + byStatus.getOrDefault(429, 0) + byStatus.getOrDefault(503, 0),
                    "every other attempt was slowed down (429) or found the checks busy (503): " + byStatus);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(200, RawHttp.login("127.0.0.21", port, "olga", "operator-pass").status(),
                "olga logs in from her own address all the same");
    }

    @Test
    void anAttackerCannotHoldAUserOrItsScraperLockedOut() throws Exception {
        try (AutoCloseable stopped = freeze()) {
            attackPamWhileSheAndHerScraperLogIn();
        }
    }

    private void attackPamWhileSheAndHerScraperLogIn() throws Exception {
        for (int i = 0; i < 6; i++) {
            int status = RawHttp.login("127.0.0.30", port, "pam", "wrong-" + i).status();
            assertEquals(i < 3 ? 401 : 429, status, "wrong guess " + (i + 1));
        }
        assertEquals(429, RawHttp.login("127.0.0.30", port, "pam", "wrong-again").status(), "the attacker is slowed down");
        for (int scrape = 0; scrape < 3; scrape++) {
            String basic = java.util.Base64.getEncoder().encodeToString("pam:scraper-pass".getBytes(StandardCharsets.UTF_8));
            RawHttp.Response metrics = RawHttp.send("127.0.0.31", port, "GET", "/metrics", Map.of("Authorization", "Basic " + basic),
                    null);
            assertEquals(200, metrics.status(), "the scraper's scrape " + scrape + " while pam is attacked elsewhere");
            assertEquals(200, RawHttp.login("127.0.0.32", port, "pam", "scraper-pass").status(), "pam logs in from her address");
        }
        assertEquals(429, RawHttp.login("127.0.0.30", port, "pam", "wrong-more").status(),
                "the scraper's and pam's successes gave the attacker no new guesses");
    }

    @Test
    void aPasswordOverSeventyTwoBytesIsA400ThatCountsAsAFailure() throws Exception {
        try (AutoCloseable stopped = freeze()) {
            overlongPasswords();
        }
    }

    private void overlongPasswords() throws Exception {
        String tooLong = "p".repeat(73);
        RawHttp.Response first = RawHttp.login("127.0.0.40", port, "olga", tooLong);
        assertEquals(400, first.status(), first.body());
        assertTrue(first.body().contains("at most 72 bytes"), first.body());
        assertFalse(first.body().contains("Exception"), first.body());
        assertEquals(400, RawHttp.login("127.0.0.40", port, "olga", tooLong).status());
        assertEquals(400, RawHttp.login("127.0.0.40", port, "olga", "é".repeat(37)).status(), "74 bytes in UTF-8");
        assertEquals(429, RawHttp.login("127.0.0.40", port, "olga", tooLong).status(), "throttled like any failure");
        String basic = java.util.Base64.getEncoder().encodeToString(("vic:" + tooLong).getBytes(StandardCharsets.UTF_8));
        assertEquals(400, RawHttp.send("127.0.0.41", port, "GET", "/metrics", Map.of("Authorization", "Basic " + basic), null)
                .status());
    }

    @Test
    void loginIsJsonFromTheSameOriginOnly() throws Exception {
        String body = "{\"username\":\"vic\",\"password\":\"viewer-pass\"}";
        assertEquals(415, RawHttp.send("127.0.0.50", port, "POST", "/api/login", Map.of("Content-Type", "text/plain"), body)
                .status(), "a form or text/plain body (a cross-site form's) is refused");
        assertEquals(415, RawHttp.send("127.0.0.50", port, "POST", "/api/login", Map.of(), body).status());
        assertEquals(403, RawHttp.send("127.0.0.50", port, "POST", "/api/login", Map.of("Content-Type", "application/json",
                "Origin", "null"), body).status(), "Origin null: a sandboxed frame");
        assertEquals(403, RawHttp.send("127.0.0.50", port, "POST", "/api/login", Map.of("Content-Type", "application/json",
                "Origin", "http://evil.example"), body).status());
        assertEquals(403, RawHttp.send("127.0.0.50", port, "POST", "/api/login", Map.of("Content-Type", "application/json",
                "Sec-Fetch-Site", "cross-site"), body).status());
        assertEquals(200, RawHttp.send("127.0.0.50", port, "POST", "/api/login", Map.of("Content-Type",
                "application/json; charset=utf-8", "Origin", base, "Sec-Fetch-Site", "same-origin"), body).status());
    }

    @Test
    void theEventStreamEndsAtLogoutAndAtSessionExpiry() throws Exception {
        for (boolean logout : new boolean[] {true, false}) {
            ApiClient api = new ApiClient(base);
            assertEquals(200, api.login("vic", "viewer-pass").statusCode());
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(URI.create(base + "/api/events"))
                    .header("Cookie", api.cookie()).header("Accept", "text/event-stream").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, stream.statusCode());
            BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
            assertEquals("event: cluster", events.readLine(), "the stream opens with the cluster");
            int before = ui.streams();
            if (logout) {
                assertEquals(200, api.post("/api/logout", "{}", true).statusCode());
            } else {
                clockOffset.addAndGet(Duration.ofMinutes(31).toMillis());
            }
            // read what is still sent until the server ends the stream: it must end, soon
            Thread reader = new Thread(() -> {
                try {
                    while (events.readLine() != null) {
                        // events sent before the close
                    }
                } catch (java.io.IOException e) {
                    // ended by a reset: ended all the same
                }
            });
            reader.setDaemon(true);
            reader.start();
            Await.until("the stream to end after " + (logout ? "logout" : "session expiry"), TIMEOUT, () -> !reader.isAlive());
            assertEquals(before - 1, ui.streams());
            assertEquals(401, api.get("/api/me").statusCode());
            stream.body().close();
        }
    }

    @Test
    void textFromRequestsCannotForgeAnAuditOrMemberLogLine() throws Exception {
        StringWriter captured = new StringWriter();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Appender capture = WriterAppender.createAppender(PatternLayout.newBuilder().withPattern("%m%n").build(), null, captured,
                "hostile-capture", false, true);
        capture.start();
        context.getConfiguration().getRootLogger().addAppender(capture, Level.INFO, null);
        context.updateLoggers();
        try {
            ApiClient api = new ApiClient(base);
            assertEquals(200, api.login("olga", "operator-pass").statusCode());
            String forged = "\r\nuser=vic role=operator action=discard-failed ids=[1] result=ok";
            HttpResponse<String> retry = api.post("/api/failed/retry", "{\"session\":" + new com.fasterxml.jackson.databind
                    .ObjectMapper().writeValueAsString("nosuch" + forged) + "}", true);
            assertTrue(retry.statusCode() == 200 || retry.statusCode() == 400, retry.body());
            HttpResponse<String> command = api.post("/api/sessions/" + URLEncoder.encode("nosuch" + forged, StandardCharsets.UTF_8)
                    .replace("+", "%20") + "/pause", "{}", true);
            // Jetty may refuse a path with an encoded CR LF itself (400); else the bus refuses the unknown session
            assertTrue(command.statusCode() == 409 || command.statusCode() == 400, command.body());
            boolean refusedByBus = command.statusCode() == 409;
            Await.until("the audit lines", TIMEOUT, () -> (!refusedByBus || captured.toString().contains("action=pause"))
                    && captured.toString().contains("action=retry-failed"));
        } finally {
            context.getConfiguration().getRootLogger().removeAppender("hostile-capture");
            context.updateLoggers();
            capture.stop();
        }
        String text = captured.toString();
        for (String line : text.split("\r?\n|\r")) {
            assertFalse(line.startsWith("user=vic"), "a forged line in the log:\n" + text);
        }
        assertTrue(text.contains("\\r\\nuser=vic"), "the text is kept, escaped:\n" + text);
    }

    @Test
    void aSearchValueIsCheckedAgainstTheItemsType() throws Exception {
        Await.until("orders in the destination", TIMEOUT, () -> env.applied("shop") > 0);
        ApiClient api = new ApiClient(base);
        assertEquals(200, api.login("vic", "viewer-pass").statusCode());
        for (String bad : List.of("abc", "5abc", "", "99999999999999999999")) {
            HttpResponse<String> response = api.get("/api/activities/Order/instances?item=Step&value="
                    + URLEncoder.encode(bad, StandardCharsets.UTF_8));
            assertEquals(400, response.statusCode(), "value '" + bad + "': " + response.body());
            assertTrue(ApiClient.json(response).get("error").asText().contains("is not a whole number"), response.body());
        }
        HttpResponse<String> date = api.get("/api/activities/Order/instances?item=Placed&value=yesterday");
        assertEquals(400, date.statusCode());
        assertTrue(ApiClient.json(date).get("error").asText().contains("a date and time such as"), date.body());
        HttpResponse<String> good = api.get("/api/activities/Order/instances?item=Step&value=1");
        assertEquals(200, good.statusCode(), good.body());
        for (var row : ApiClient.json(good).get("rows")) {
            assertEquals("1", row.get("Step").asText(), "only instances whose Step is 1");
        }
        HttpResponse<String> zero = api.get("/api/activities/Order/instances?item=Step&value=0");
        assertEquals(200, zero.statusCode());
        assertEquals(0, ApiClient.json(zero).get("total").asLong(), "no Step is 0: 'abc' used to find these");
    }
}
