package io.bambus.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.bambus.core.sql.Identifiers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading and checking parts of a YAML configuration: each reader adds a problem naming the key
 * and the fix instead of throwing, so a file's problems are all reported at once. Shared by the
 * bus configuration and the management UI's.
 */
public final class ConfigSections {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private ConfigSections() {
    }

    /** A database section: jdbcUrl, username, a password given one of four ways, pool and timeouts. */
    public static DatabaseConfig database(String key, JsonNode node, int defaultPool, Path base, Map<String, String> env,
                                          List<String> problems) {
        String url = text(node, "jdbcUrl");
        if (url == null) {
            problems.add(key + ".jdbcUrl: missing; for example jdbc:mysql://127.0.0.1:3306/bam");
        } else if (!url.startsWith("jdbc:mysql:")) {
            problems.add(key + ".jdbcUrl: '" + url + "' is not a MySQL Connector/J URL; it must start with jdbc:mysql:");
        }
        String user = text(node, "username");
        if (user == null) {
            problems.add(key + ".username: missing");
        }
        String password = secret(key, node, "password", base, env, problems);
        int pool = (int) number(node, "poolSize", defaultPool, 1, 100, problems, key + ".");
        int connect = (int) number(node, "connectTimeoutMillis", 5_000, 250, 120_000, problems, key + ".");
        int socket = (int) number(node, "socketTimeoutMillis", 60_000, 1_000, 3_600_000, problems, key + ".");
        return new DatabaseConfig(url, user, password == null ? "" : password, pool, connect, socket);
    }

    /**
     * A secret given as {@code nameSecret} (a secret handed over at start: {@link Secrets}),
     * {@code name} (inline), {@code nameEnv} (an environment variable) or {@code nameFile} (a file
     * holding only the secret); "" when none is given, null when the one given cannot be read (a
     * problem is added). {@code env} is {@link Secrets#names()} or a test's stand-in.
     */
    public static String secret(String key, JsonNode node, String name, Path base, Map<String, String> env,
                                List<String> problems) {
        String envKey = name + "Env";
        String fileKey = name + "File";
        String secretKey = name + "Secret";
        int given = (node.has(name) ? 1 : 0) + (node.has(envKey) ? 1 : 0) + (node.has(fileKey) ? 1 : 0)
                + (node.has(secretKey) ? 1 : 0);
        if (given > 1) {
            problems.add(key + ": give only one of " + secretKey + ", " + name + ", " + envKey + " and " + fileKey);
            return null;
        }
        if (node.has(secretKey)) {
            String secretName = text(node, secretKey);
            if (!Secrets.validName(secretName)) {
                problems.add(key + "." + secretKey + ": '" + Identifiers.printable(String.valueOf(secretName)) + "' is not a"
                        + " secret's name (letters, digits, '_', '.' and '-', starting with a letter or '_')");
                return null;
            }
            String value = env.get(Secrets.key(secretName));
            if (value == null) {
                problems.add(key + "." + secretKey + ": secret '" + secretName + "' was not handed to this process at start; "
                        + (Secrets.given() ? "add a line " + secretName + "=... to the secrets file and restart"
                        : "start members with start-member.sh --secrets FILE (and the CLI with --secrets FILE), FILE holding"
                        + " a line " + secretName + "=..."));
            }
            return value;
        }
        if (node.has(envKey)) {
            String variable = text(node, envKey);
            String value = variable == null ? null : env.get(variable);
            if (value == null) {
                problems.add(key + "." + envKey + ": environment variable '" + variable + "' is not set; export it before starting");
            }
            return value;
        }
        if (node.has(fileKey)) {
            String file = text(node, fileKey);
            Path path = file == null ? null : (base == null ? Path.of(file) : base.resolve(file));
            try {
                return path == null ? null : Files.readString(path).strip();
            } catch (IOException e) {
                problems.add(key + "." + fileKey + ": '" + file + "' cannot be read; give a readable file holding only the "
                        + name);
                return null;
            }
        }
        String inline = text(node, name);
        return inline == null ? "" : inline;
    }

    public static long number(JsonNode node, String name, long fallback, long min, long max, List<String> problems,
                              String prefix) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber() || value.longValue() < min || value.longValue() > max) {
            problems.add(prefix + name + ": '" + value.asText() + "' must be a whole number from " + min + " to " + max);
            return fallback;
        }
        return value.longValue();
    }

    public static Duration duration(JsonNode node, String name, Duration fallback, List<String> problems) {
        return duration(node, name, fallback, problems, "");
    }

    /** A duration under {@code prefix} (e.g. "archive."), named with it in the problem. */
    public static Duration duration(JsonNode node, String name, Duration fallback, List<String> problems, String prefix) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        Duration parsed = parseDuration(value.asText());
        if (parsed == null) {
            problems.add(prefix + name + ": '" + value.asText().trim() + "' is not a duration; write a number and a unit: 500ms, 30s, 15m,"
                    + " 24h, 7d, or 0");
            return fallback;
        }
        return parsed;
    }

    /** A duration as the configuration writes it (500ms, 30s, 15m, 24h, 7d or 0), or null when it is not one. */
    public static Duration parseDuration(String text) {
        String trimmed = text.trim();
        if (trimmed.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(trimmed);
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    public static void unknownKeys(String prefix, JsonNode node, Set<String> allowed, List<String> problems) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!allowed.contains(key)) {
                problems.add(prefix + key + ": unknown key; allowed here: " + new TreeSet<>(allowed));
            }
        }
    }

    /** A scalar value as text, or null when absent, null or not a scalar. */
    public static String text(JsonNode node, String key) {
        JsonNode value = node.get(key);
        return value != null && value.isValueNode() && !value.isNull() ? value.asText() : null;
    }
}
