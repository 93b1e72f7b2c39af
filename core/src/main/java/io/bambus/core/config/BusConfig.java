package io.bambus.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.bambus.core.outbox.OutboxSchema;
import io.bambus.core.sql.Identifiers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bus configuration, one YAML file (see the README's reference). {@link #load} validates every
 * key before anything starts and reports all problems at once, each naming its key and the fix.
 */
public record BusConfig(DatabaseConfig destination, List<SourceConfig> sources, Path definitions, int batchSize,
                        long pollIntervalMillis, long maxBackoffMillis, Duration retention, String sessionsMap,
                        int sessionBackupCount) {

    public static final Pattern SOURCE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static final Set<String> TOP_KEYS = Set.of("destination", "sources", "definitions", "batchSize",
            "pollIntervalMillis", "maxBackoffMillis", "retention", "sessions");
    private static final Set<String> DATABASE_KEYS = Set.of("jdbcUrl", "username", "password", "passwordEnv",
            "passwordFile", "poolSize", "connectTimeoutMillis", "socketTimeoutMillis");
    private static final Set<String> SOURCE_KEYS;
    private static final Set<String> SESSIONS_KEYS = Set.of("map", "backupCount");

    static {
        Set<String> keys = new HashSet<>(DATABASE_KEYS);
        keys.addAll(Set.of("id", "outboxTable", "enabled"));
        SOURCE_KEYS = Set.copyOf(keys);
    }

    public static BusConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("the file cannot be read (" + e.getMessage()
                    + "); check the path given as bambus.config"));
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(file.toString(), text, base, System.getenv());
    }

    /** Parses and validates; {@code env} resolves {@code passwordEnv}, relative paths resolve against {@code base}. */
    public static BusConfig parse(String origin, String yaml, Path base, Map<String, String> env) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(origin, List.of("not valid YAML: " + e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(origin, List.of("must be a YAML mapping with 'destination', 'sources' and 'definitions'"));
        }
        List<String> problems = new ArrayList<>();
        unknownKeys("", root, TOP_KEYS, problems);

        DatabaseConfig destination = null;
        if (!root.has("destination") || !root.get("destination").isObject()) {
            problems.add("destination: missing; give the destination database's jdbcUrl, username and password");
        } else {
            unknownKeys("destination.", root.get("destination"), DATABASE_KEYS, problems);
            destination = database("destination", root.get("destination"), 4, base, env, problems);
        }

        List<SourceConfig> sources = new ArrayList<>();
        JsonNode sourceNodes = root.get("sources");
        if (sourceNodes != null && !sourceNodes.isNull() && !sourceNodes.isArray()) {
            problems.add("sources: must be a list of sources, each with an id and a jdbcUrl");
        } else if (sourceNodes != null && sourceNodes.isArray()) {
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < sourceNodes.size(); i++) {
                JsonNode node = sourceNodes.get(i);
                String key = "sources[" + i + "]";
                if (!node.isObject()) {
                    problems.add(key + ": must be a mapping with id and jdbcUrl");
                    continue;
                }
                unknownKeys(key + ".", node, SOURCE_KEYS, problems);
                String id = text(node, "id");
                if (id == null || !SOURCE_ID.matcher(id).matches()) {
                    problems.add(key + ".id: " + (id == null ? "missing" : "'" + Identifiers.printable(id) + "' is not allowed")
                            + "; use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
                    continue;
                }
                key = "sources[" + id + "]";
                if (!ids.add(id)) {
                    problems.add(key + ".id: two sources have this id; each source needs its own");
                }
                String table = text(node, "outboxTable");
                if (table == null) {
                    table = OutboxSchema.DEFAULT_TABLE;
                } else if (Identifiers.problem(table, 64) != null) {
                    problems.add(key + ".outboxTable: '" + Identifiers.printable(table) + "' " + Identifiers.problem(table, 64));
                }
                boolean enabled = !node.has("enabled") || node.get("enabled").asBoolean(true);
                DatabaseConfig database = database(key, node, 2, base, env, problems);
                sources.add(new SourceConfig(id, database, table, enabled));
            }
        }

        Path definitions = null;
        String definitionsText = text(root, "definitions");
        if (definitionsText == null) {
            problems.add("definitions: missing; give the path of the activity definitions file (relative to this file)");
        } else {
            definitions = base == null ? Path.of(definitionsText) : base.resolve(definitionsText);
            if (!Files.isReadable(definitions)) {
                problems.add("definitions: " + definitions + " does not exist or cannot be read; fix the path");
            }
        }

        int batchSize = (int) number(root, "batchSize", 500, 1, 10_000, problems, "");
        long poll = number(root, "pollIntervalMillis", 100, 1, 60_000, problems, "");
        long backoff = number(root, "maxBackoffMillis", 30_000, 100, 600_000, problems, "");
        Duration retention = duration(root, "retention", Duration.ofDays(7), problems);

        String map = "eventbus.sessions";
        int backups = 1;
        JsonNode sessions = root.get("sessions");
        if (sessions != null && sessions.isObject()) {
            unknownKeys("sessions.", sessions, SESSIONS_KEYS, problems);
            String name = text(sessions, "map");
            if (name != null) {
                map = name;
            }
            backups = (int) number(sessions, "backupCount", 1, 1, 6, problems, "sessions.");
        } else if (sessions != null) {
            problems.add("sessions: must be a mapping with map and backupCount");
        }

        if (!problems.isEmpty()) {
            throw new ConfigException(origin, problems);
        }
        return new BusConfig(destination, List.copyOf(sources), definitions, batchSize, poll, backoff, retention, map, backups);
    }

    private static DatabaseConfig database(String key, JsonNode node, int defaultPool, Path base, Map<String, String> env,
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
        int given = (node.has("password") ? 1 : 0) + (node.has("passwordEnv") ? 1 : 0) + (node.has("passwordFile") ? 1 : 0);
        String password = "";
        if (given > 1) {
            problems.add(key + ": give only one of password, passwordEnv and passwordFile");
        } else if (node.has("passwordEnv")) {
            String variable = text(node, "passwordEnv");
            password = variable == null ? null : env.get(variable);
            if (password == null) {
                problems.add(key + ".passwordEnv: environment variable '" + variable + "' is not set; export it before starting");
            }
        } else if (node.has("passwordFile")) {
            String file = text(node, "passwordFile");
            Path path = file == null ? null : (base == null ? Path.of(file) : base.resolve(file));
            try {
                password = path == null ? null : Files.readString(path).strip();
            } catch (IOException e) {
                password = null;
            }
            if (password == null) {
                problems.add(key + ".passwordFile: '" + file + "' cannot be read; give a readable file holding only the password");
            }
        } else if (node.has("password")) {
            password = text(node, "password") == null ? "" : text(node, "password");
        }
        int pool = (int) number(node, "poolSize", defaultPool, 1, 100, problems, key + ".");
        int connect = (int) number(node, "connectTimeoutMillis", 5_000, 250, 120_000, problems, key + ".");
        int socket = (int) number(node, "socketTimeoutMillis", 60_000, 1_000, 3_600_000, problems, key + ".");
        return new DatabaseConfig(url, user, password, pool, connect, socket);
    }

    private static long number(JsonNode node, String name, long fallback, long min, long max, List<String> problems,
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

    static Duration duration(JsonNode node, String name, Duration fallback, List<String> problems) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        String text = value.asText().trim();
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            problems.add(name + ": '" + text + "' is not a duration; write a number and a unit: 500ms, 30s, 15m, 24h, 7d, or 0");
            return fallback;
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

    private static void unknownKeys(String prefix, JsonNode node, Set<String> allowed, List<String> problems) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!allowed.contains(key)) {
                problems.add(prefix + key + ": unknown key; allowed here: " + new TreeSet<>(allowed));
            }
        }
    }

    private static String text(JsonNode node, String key) {
        JsonNode value = node.get(key);
        return value != null && value.isValueNode() && !value.isNull() ? value.asText() : null;
    }

    public SourceConfig source(String id) {
        for (SourceConfig source : sources) {
            if (source.id().equals(id)) {
                return source;
            }
        }
        return null;
    }
}
