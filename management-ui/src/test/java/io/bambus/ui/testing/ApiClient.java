package io.bambus.ui.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/** The JSON API as a script would call it: its own cookie, its own CSRF token. */
public final class ApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private String cookie;
    private String csrf;

    public ApiClient(String base) {
        this.base = base;
    }

    public HttpResponse<String> login(String user, String password) throws IOException, InterruptedException {
        HttpResponse<String> response = post("/api/login", "{\"username\":" + JSON.writeValueAsString(user) + ",\"password\":"
                + JSON.writeValueAsString(password) + "}", false);
        if (response.statusCode() == 200) {
            cookie = response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("bambus_session="))
                    .findFirst().orElseThrow().split(";")[0];
            csrf = JSON.readTree(response.body()).get("csrf").asText();
        }
        return response;
    }

    /** The session cookie ("bambus_session=…"), or null before a login. */
    public String cookie() {
        return cookie;
    }

    public List<String> setCookieHeaders(HttpResponse<String> response) {
        return response.headers().allValues("Set-Cookie");
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET();
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> getWithBasic(String path, String user, String password) throws IOException, InterruptedException {
        String credentials = Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + credentials).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A POST with this client's cookie and, when {@code withCsrf}, its CSRF token. */
    public HttpResponse<String> post(String path, String body, boolean withCsrf) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        if (withCsrf && csrf != null) {
            request.header("X-CSRF-Token", csrf);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }
}
