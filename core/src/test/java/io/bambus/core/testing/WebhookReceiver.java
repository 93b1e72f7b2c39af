package io.bambus.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP receiver for alert webhooks (the JDK's HttpServer on 127.0.0.1, any free port). It
 * records every call, answers 500 to the first {@code failFirst} calls and 204 to the rest, and
 * counts accepted deliveries per {@code rule/instanceId}. Close it to stop it.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One call as received: when (epoch millis), its status, headers that matter and the body. */
    public record Call(long receivedMillis, int status, String idempotencyKey, String authorization, String path,
                       JsonNode body) {
        public String key() {
            return body.path("rule").asText() + "/" + body.path("instanceId").asText();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final List<Call> calls = new ArrayList<>();
    private final Map<String, AtomicInteger> accepted = new ConcurrentHashMap<>();
    private final AtomicInteger failuresLeft;

    public WebhookReceiver(int failFirst) throws IOException {
        failuresLeft = new AtomicInteger(failFirst);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            long received = System.currentTimeMillis();
            JsonNode body;
            try (InputStream in = exchange.getRequestBody()) {
                body = JSON.readTree(in.readAllBytes());
            }
            int status = failuresLeft.getAndDecrement() > 0 ? 500 : 204;
            Call call = new Call(received, status, exchange.getRequestHeaders().getFirst("Idempotency-Key"),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestURI().getRawPath() + (exchange.getRequestURI().getRawQuery() == null ? ""
                            : "?" + exchange.getRequestURI().getRawQuery()), body);
            synchronized (calls) {
                calls.add(call);
            }
            if (status == 204) {
                accepted.computeIfAbsent(call.key(), k -> new AtomicInteger()).incrementAndGet();
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    /** The webhook URL, with {@code pathAndQuery} (e.g. "/hook?token=t"). */
    public String url(String pathAndQuery) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery;
    }

    public List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** Accepted (2xx) deliveries per {@code rule/instanceId}. */
    public Map<String, Integer> accepted() {
        Map<String, Integer> result = new java.util.TreeMap<>();
        accepted.forEach((k, v) -> result.put(k, v.get()));
        return result;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
