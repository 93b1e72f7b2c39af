package io.bambus.grid.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** One scrape of a member's Prometheus endpoint, as Prometheus reads it: series (name and labels) to value. */
public final class MetricsScrape {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String text;
    private final Map<String, Double> series = new LinkedHashMap<>();

    private MetricsScrape(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
    }

    /** GETs {@code /metrics} of the endpoint at {@code address}; fails unless it answers 200 in Prometheus text format. */
    public static MetricsScrape of(InetSocketAddress address) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address.getHostString() + ":" + address.getPort()
                + "/metrics")).timeout(Duration.ofSeconds(10)).build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 || !response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain")) {
                throw new AssertionError("scrape of " + request.uri() + " answered " + response.statusCode() + " "
                        + response.headers().map() + ": " + response.body());
            }
            return new MetricsScrape(response.body());
        } catch (IOException e) {
            throw new AssertionError("scrape of " + request.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted scraping " + request.uri());
        }
    }

    /**
     * The value of the one series {@code name} whose labels include every {@code label="value"} pair
     * given; NaN when there is none. Fails when several match.
     */
    public double value(String name, String... labelPairs) {
        Double found = null;
        for (Map.Entry<String, Double> entry : series.entrySet()) {
            String key = entry.getKey();
            if (!key.equals(name) && !key.startsWith(name + "{")) {
                continue;
            }
            boolean matches = true;
            for (int i = 0; i < labelPairs.length; i += 2) {
                matches &= key.contains(labelPairs[i] + "=\"" + labelPairs[i + 1] + "\"");
            }
            if (matches) {
                if (found != null) {
                    throw new AssertionError("several series " + name + " match " + String.join(",", labelPairs) + " in\n" + text);
                }
                found = entry.getValue();
            }
        }
        return found == null ? Double.NaN : found;
    }

    /** Whether any series carries {@code label="value"}. */
    public boolean mentions(String label, String value) {
        return series.keySet().stream().anyMatch(key -> key.contains(label + "=\"" + value + "\""));
    }

    @Override
    public String toString() {
        return text;
    }
}
