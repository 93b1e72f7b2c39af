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
 * The hostile passes against a running UI, over HTTP: each test is one finding of issue 15 or of
 * issue 26 (the second pass), and fails on the code that had it. Requests from distinct client
 * addresses use 127.0.0.2 … as their source. One member, one session with a producer, the UI
 * with an operator and a viewer.
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

    // ---- issue 26, the second pass

    @Test
    void aMalformedBulkActionIsRefusedAndActsOnNothing() throws Exception {
        failEvents("Refund", 3);
        ApiClient api = new ApiClient(base);
        assertEquals(200, api.login("olga", "operator-pass").statusCode());
        awaitFailed(api, "Refund", 3);
        for (String malformed : List.of("{\"ids\":4,\"session\":\"shop\"}", "{\"ids\":\"4\",\"session\":\"shop\"}",
                "{\"ids\":[],\"session\":\"shop\"}", "{\"ids\":[1.5],\"session\":\"shop\"}",
                "{\"session\":{\"a\":1},\"activity\":\"Refund\"}", "{\"sessions\":\"shop\",\"activity\":\"Refund\"}",
                "{\"session\":\"shop\",\"activity\":\"Refund\",\"expected\":\"3\"}",
                "{\"session\":\"shop\",\"activity\":\"Refund\",\"expected\":2.9}")) {
            for (String action : List.of("discard", "retry")) {
                HttpResponse<String> response = api.post("/api/failed/" + action, malformed, true);
                assertEquals(400, response.statusCode(), action + " " + malformed + ": " + response.body());
            }
        }
        assertEquals(3, failedCount(api, "Refund"), "no failed event was retried or discarded");
        HttpResponse<String> named = api.post("/api/failed/discard", "{\"session\":\"shop\",\"activity\":\"Refund\","
                + "\"expected\":3}", true);
        assertEquals(200, named.statusCode(), named.body());
        assertEquals(3, ApiClient.json(named).get("discarded").size());
    }

    @Test
    void aBulkActionActsOnExactlyTheCountTheOperatorSawOrRefuses() throws Exception {
        ApiClient api = new ApiClient(base);
        assertEquals(200, api.login("olga", "operator-pass").statusCode());
        int written = 0;
        long discarded = 0;
        int accepted = 0;
        int refused = 0;
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            // failures keep arriving while the operator counts and discards, as in the reproduction
            Future<Integer> writing = writer.submit(() -> {
                int n = 0;
                long until = System.currentTimeMillis() + 12_000;
                while (System.currentTimeMillis() < until) {
                    try (io.bambus.core.event.EventStream events = io.bambus.core.event.EventStream.on(env.sources.get("shop"))) {
                        events.beginActivity("Rebate", "rebate-" + n++);
                    }
                    Thread.sleep(15); // a steady trickle, not a wait for a state
                }
                return n;
            });
            while (!writing.isDone()) {
                long seen = failedCount(api, "Rebate");
                HttpResponse<String> response = api.post("/api/failed/discard", "{\"session\":\"shop\",\"activity\":\"Rebate\","
                        + "\"expected\":" + seen + "}", true);
                if (response.statusCode() == 200) {
                    accepted++;
                    int acted = ApiClient.json(response).get("discarded").size();
                    assertEquals(seen, acted, "an accepted discard acted on exactly the count the operator saw");
                    discarded += acted;
                } else {
                    assertEquals(409, response.statusCode(), response.body());
                    refused++;
                }
            }
            written = writing.get();
        } finally {
            writer.shutdownNow();
        }
        System.out.println("bulk discards while failures arrive: " + accepted + " accepted, " + refused + " refused (count changed), "
                + discarded + " of " + written + " events discarded");
        assertTrue(accepted > 0, "some discards went through");
        long finalDiscarded = discarded;
        int finalWritten = written;
        // every event written is either discarded or still listed: none lost, none counted twice
        Await.until("every failed Rebate event quarantined", TIMEOUT, () -> failedCount(api, "Rebate") + finalDiscarded == finalWritten);
    }

    @Test
    void aLoginAnswersTheSameForAMadeUpNameAndARealOne() throws Exception {
        try (AutoCloseable stopped = freeze()) {
            for (int i = 0; i < 3; i++) {
                assertEquals(401, RawHttp.login("127.0.0.80", port, "ghost-" + i, "guess").status(), "made-up name " + i);
            }
            int madeUp = RawHttp.login("127.0.0.80", port, "ghost-3", "guess").status();
            int real = RawHttp.login("127.0.0.80", port, "vic", "guess").status();
            assertEquals(madeUp, real, "a fourth made-up name and a real name answer alike (before: 429 and 401)");
        }
    }

    @Test
    void aMalformedBasicHeaderIsA401WithoutATrace() throws Exception {
        String noColon = java.util.Base64.getEncoder().encodeToString("vicviewer-pass".getBytes(StandardCharsets.UTF_8));
        for (String header : List.of("Basic !", "Basic " + noColon, "Basic", "Basic ====")) {
            RawHttp.Response response = RawHttp.send("127.0.0.81", port, "GET", "/metrics", Map.of("Authorization", header), null);
            assertEquals(401, response.status(), header + ": " + response.body());
            assertFalse(response.body().contains("Exception"), response.body());
        }
    }

    @Test
    void aRequestForAnotherHostNameIsRefused() throws Exception {
        String body = "{\"username\":\"vic\",\"password\":\"viewer-pass\"}";
        RawHttp.Response rebound = RawHttp.send("127.0.0.82", port, "POST", "/api/login", Map.of("Host", "evil.example:" + port,
                "Origin", "http://evil.example:" + port, "Content-Type", "application/json"), body);
        assertEquals(421, rebound.status(), "a DNS-rebinding page's login: " + rebound.body());
        assertTrue(rebound.body().contains("http.hostNames"), rebound.body());
        assertEquals(421, RawHttp.send("127.0.0.82", port, "GET", "/", Map.of("Host", "evil.example"), null).status());
        assertEquals(200, RawHttp.send("127.0.0.82", port, "POST", "/api/login", Map.of("Host", "localhost:" + port,
                "Origin", "http://localhost:" + port, "Content-Type", "application/json"), body).status(), "localhost is this UI");
    }

    @Test
    void threeHundredSlowLoginBodiesDoNotKeepAnOperatorOut() throws Exception {
        List<java.net.Socket> slow = new ArrayList<>();
        ExecutorService admin = Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < 300; i++) {
                java.net.Socket socket = new java.net.Socket();
                socket.bind(new java.net.InetSocketAddress("127.0.0.90", 0));
                socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
                socket.getOutputStream().write(("POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type:"
                        + " application/json\r\nContent-Length: 200\r\n\r\n{").getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
                slow.add(socket);
            }
            // one more byte every 5 s on each, as in the reproduction: the connections never go idle
            Thread trickle = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        Thread.sleep(5_000);
                        for (java.net.Socket socket : slow) {
                            try {
                                socket.getOutputStream().write(' ');
                                socket.getOutputStream().flush();
                            } catch (java.io.IOException cut) {
                                // the server ended this one
                            }
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "slow-bodies");
            trickle.setDaemon(true);
            trickle.start();
            Future<Integer> login = admin.submit(() -> RawHttp.login("127.0.0.91", port, "olga", "operator-pass").status());
            try {
                assertEquals(200, login.get(10, java.util.concurrent.TimeUnit.SECONDS),
                        "the operator logs in while 300 connections trickle login bodies (before: no answer past 30 s)");
            } finally {
                trickle.interrupt();
            }
            // and the slow connections themselves are answered or cut: none holds a thread for good
            for (java.net.Socket socket : slow) {
                socket.setSoTimeout((int) TIMEOUT.toMillis());
                assertTrue(endsOrAnswers(socket), "a slow login body was cut or refused");
            }
        } finally {
            admin.shutdownNow();
            for (java.net.Socket socket : slow) {
                socket.close();
            }
        }
    }

    /** Reads until the server ends the connection or answers; false when it only waits (the read times out). */
    private static boolean endsOrAnswers(java.net.Socket socket) {
        try {
            socket.getInputStream().read();
            return true; // -1: closed; else an answer (429) began
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.io.IOException e) {
            return true; // reset by the server
        }
    }

    private void failEvents(String activity, int count) throws Exception {
        try (io.bambus.core.event.EventStream events = io.bambus.core.event.EventStream.on(env.sources.get("shop"))) {
            for (int i = 0; i < count; i++) {
                events.beginActivity(activity, activity.toLowerCase(java.util.Locale.ROOT) + "-" + i);
            }
        }
    }

    private void awaitFailed(ApiClient api, String activity, long count) {
        Await.until(count + " failed " + activity + " events", TIMEOUT, () -> failedCount(api, activity) == count);
    }

    private static long failedCount(ApiClient api, String activity) {
        try {
            HttpResponse<String> response = api.get("/api/failed?session=shop&activity=" + activity + "&limit=1");
            assertEquals(200, response.statusCode(), response.body());
            return ApiClient.json(response).get("total").asLong();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
