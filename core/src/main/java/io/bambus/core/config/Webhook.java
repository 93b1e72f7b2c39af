package io.bambus.core.config;

import java.net.URI;
import java.time.Duration;

/**
 * Where alerts are POSTed. {@code uri} may carry a query (a receiver's token), never user info:
 * credentials in the URL become {@code authorization} when the configuration is read. Logs and
 * messages show {@link #safeUrl()} only.
 *
 * @param timeout       connect and request timeout of one attempt
 * @param retryFor      how long after its detection an alert is retried before the bus gives up on it
 * @param authorization the Authorization header's value, or "" for none
 */
public record Webhook(URI uri, Duration timeout, Duration retryFor, String authorization) {

    /**
     * Scheme, host and port, and "/…" for a path: no user info, path, query or fragment (Slack,
     * Teams and Discord webhooks carry their secret in the path).
     */
    public String safeUrl() {
        return safeUrl(uri);
    }

    public static String safeUrl(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/") ? "" : "/…");
    }

    @Override
    public String toString() {
        return "Webhook[" + safeUrl() + ", timeout " + Durations.text(timeout) + ", retry for " + Durations.text(retryFor)
                + (authorization.isEmpty() ? "" : ", with authorization") + "]";
    }
}
