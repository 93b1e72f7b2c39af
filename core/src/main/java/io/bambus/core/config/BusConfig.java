package io.bambus.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.bambus.core.sql.Identifiers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bus configuration, one YAML file (docs/configuration.md). {@link #load} validates every
 * key before anything starts and reports all problems at once, each naming its key and the fix.
 */
public record BusConfig(DatabaseConfig destination, List<SourceConfig> sources, Path definitions, SessionSettings session,
                        String sessionsMap, int sessionBackupCount, int sessionThreads, Archive archive,
                        boolean loadBalance, Metrics metrics, boolean drills, Alerts alerts) {

    /** The online window: completed instances older than {@code after} move to archive tables (0: never). */
    public record Archive(Duration after, Duration every, int batchSize) {
        public static final Archive OFF = new Archive(Duration.ZERO, Duration.ofHours(1), 1_000);

        public boolean enabled() {
            return !after.isZero();
        }
    }

    /**
     * Each member's own Prometheus endpoint: {@code port} (0: any free port), on {@code host} (null:
     * the member's own address). Off unless configured.
     */
    public record Metrics(int port, String host) {
        public static final Metrics OFF = new Metrics(-1, null);

        public boolean enabled() {
            return port >= 0;
        }
    }

    /**
     * Stalled-activity alerts: {@code rules} evaluated every {@code every} on one member; alerts
     * POSTed to {@code webhook} when one is given (null: recorded in bam_alerts only); resolved
     * alerts deleted after {@code keepResolved} (0: kept).
     */
    public record Alerts(Duration every, Duration keepResolved, Webhook webhook, List<AlertRule> rules) {
        /** No {@code alerts:} section: nothing is evaluated (a section with no rules resolves the alerts left open). */
        public static final Alerts OFF = new Alerts(Duration.ZERO, Duration.ZERO, null, List.of());
        public static final Duration DEFAULT_EVERY = Duration.ofSeconds(30);
        public static final Duration DEFAULT_KEEP_RESOLVED = Duration.ofDays(30);

        public boolean enabled() {
            return !every.isZero();
        }
    }

    public BusConfig {
        sources = SourceList.of(sources); // source(id) in constant time
    }

    /** The same configuration with other sources (an operator's edit of the sources alone). */
    public BusConfig withSources(List<SourceConfig> others) {
        return new BusConfig(destination, List.copyOf(others), definitions, session, sessionsMap, sessionBackupCount,
                sessionThreads, archive, loadBalance, metrics, drills, alerts);
    }

    public static final Pattern SOURCE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** A key written twice is an error (Jackson would keep the last one silently). */
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']*)'");
    /** A host name, an IPv4 address or an IPv6 literal: what an endpoint can bind to (resolved on the member). */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,252}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%A-Za-z]*");

    private static final Set<String> TOP_KEYS = Set.of("destination", "sources", "definitions", "batchSize",
            "batchBytes", "gapWaitMillis", "pollIntervalMillis", "idlePollMaxMillis", "maxBackoffMillis", "retention", "sessions", "archive",
            "loadBalance", "metrics", "drills", "alerts");
    private static final Set<String> METRICS_KEYS = Set.of("port", "host");
    private static final Set<String> ARCHIVE_KEYS = Set.of("after", "every", "batchSize");
    private static final Set<String> DATABASE_KEYS = Set.of("jdbcUrl", "username", "password", "passwordEnv",
            "passwordFile", "passwordSecret", "poolSize", "connectTimeoutMillis", "socketTimeoutMillis");
    private static final Set<String> SOURCE_KEYS;
    private static final Set<String> SESSIONS_KEYS = Set.of("map", "backupCount", "threads");

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
        return parse(file.toString(), text, base, Secrets.names());
    }

    /**
     * Parses and validates; {@code env} ({@link Secrets#names()}) resolves {@code passwordEnv} and
     * {@code passwordSecret}, relative paths resolve against {@code base}.
     */
    public static BusConfig parse(String origin, String yaml, Path base, Map<String, String> env) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
            throw new ConfigException(origin, List.of(duplicate.find() ? "'" + duplicate.group(1) + "' is written twice in one"
                    + " mapping; keep one" : "not valid YAML: " + e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(origin, List.of("must be a YAML mapping with 'destination', 'sources' and 'definitions'"));
        }
        List<String> problems = new ArrayList<>();
        ConfigSections.unknownKeys("", root, TOP_KEYS, problems);

        DatabaseConfig destination = null;
        if (!root.has("destination") || !root.get("destination").isObject()) {
            problems.add("destination: missing; give the destination database's jdbcUrl, username and password");
        } else {
            ConfigSections.unknownKeys("destination.", root.get("destination"), DATABASE_KEYS, problems);
            destination = ConfigSections.database("destination", root.get("destination"), 4, base, env, problems);
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
                ConfigSections.unknownKeys(key + ".", node, SOURCE_KEYS, problems);
                JsonNode idNode = node.get("id");
                if (idNode != null && idNode.isValueNode() && !idNode.isTextual() && !idNode.isNull()) {
                    // 04 reads as 4, 1e3 as 1000.0: the id would not be the one written, and a checkpoint is kept by id
                    problems.add(key + ".id: YAML reads this unquoted id as the " + (idNode.isBoolean() ? "boolean " : "number ")
                            + idNode.asText() + ", which need not be what is written (04 reads as 4); put the id in quotes"
                            + " exactly as you mean it, e.g. id: \"04\"");
                    continue;
                }
                String id = ConfigSections.text(node, "id");
                String idProblem = idProblem(id);
                if (idProblem != null) {
                    problems.add(key + ".id: " + idProblem);
                    continue;
                }
                key = "sources[" + id + "]";
                if (!ids.add(id)) {
                    problems.add(key + ".id: two sources have this id; each source needs its own");
                }
                String table = ConfigSections.text(node, "outboxTable");
                if (table == null) {
                    table = SessionSettings.DEFAULT_OUTBOX_TABLE;
                } else if (Identifiers.problem(table, 64) != null) {
                    problems.add(key + ".outboxTable: '" + Identifiers.printable(table) + "' " + Identifiers.problem(table, 64));
                }
                boolean enabled = !node.has("enabled") || node.get("enabled").asBoolean(true);
                DatabaseConfig database = ConfigSections.database(key, node, 2, base, env, problems);
                sources.add(new SourceConfig(id, database, table, enabled));
            }
        }

        Path definitions = null;
        String definitionsText = ConfigSections.text(root, "definitions");
        if (definitionsText == null) {
            problems.add("definitions: missing; give the path of the activity definitions file (relative to this file)");
        } else {
            definitions = base == null ? Path.of(definitionsText) : base.resolve(definitionsText);
            if (!Files.isReadable(definitions)) {
                problems.add("definitions: " + definitions + " does not exist or cannot be read; fix the path");
            }
        }

        int batchSize = (int) ConfigSections.number(root, "batchSize", SessionSettings.DEFAULT_BATCH_SIZE, 1, 10_000, problems, "");
        long batchBytes = ConfigSections.number(root, "batchBytes", SessionSettings.DEFAULT_BATCH_BYTES, 1 << 10, 1L << 30,
                problems, "");
        long gapWait = ConfigSections.number(root, "gapWaitMillis", SessionSettings.DEFAULT_GAP_WAIT_MILLIS, 0, 600_000,
                problems, "");
        long poll = ConfigSections.number(root, "pollIntervalMillis", SessionSettings.DEFAULT_POLL_INTERVAL_MILLIS, 1, 60_000,
                problems, "");
        long idlePollMax = ConfigSections.number(root, "idlePollMaxMillis",
                Math.max(poll, SessionSettings.DEFAULT_IDLE_POLL_MAX_MILLIS), 1, 60_000, problems, "");
        if (idlePollMax < poll) {
            problems.add("idlePollMaxMillis: " + idlePollMax + " is below pollIntervalMillis (" + poll + "); an idle session"
                    + " polls from pollIntervalMillis up to idlePollMaxMillis, so give at least " + poll);
        }
        long backoff = ConfigSections.number(root, "maxBackoffMillis", SessionSettings.DEFAULT_MAX_BACKOFF_MILLIS, 100, 600_000,
                problems, "");
        Duration retention = ConfigSections.duration(root, "retention", SessionSettings.DEFAULT_RETENTION, problems);

        String map = "eventbus.sessions";
        int backups = 1;
        // each session thread holds at most one destination connection: twice the pool keeps it busy while others read sources
        int defaultThreads = Math.max(4, 2 * (destination == null ? 4 : destination.poolSize()));
        int threads = defaultThreads;
        JsonNode sessions = root.get("sessions");
        if (sessions != null && sessions.isObject()) {
            ConfigSections.unknownKeys("sessions.", sessions, SESSIONS_KEYS, problems);
            String name = ConfigSections.text(sessions, "map");
            if (name != null) {
                map = name;
            }
            backups = (int) ConfigSections.number(sessions, "backupCount", 1, 1, 6, problems, "sessions.");
            threads = (int) ConfigSections.number(sessions, "threads", defaultThreads, 1, 256, problems, "sessions.");
        } else if (sessions != null) {
            problems.add("sessions: must be a mapping with map and backupCount");
        }

        Archive archive = Archive.OFF;
        JsonNode archiveNode = root.get("archive");
        if (archiveNode != null && archiveNode.isObject()) {
            ConfigSections.unknownKeys("archive.", archiveNode, ARCHIVE_KEYS, problems);
            Duration after = ConfigSections.duration(archiveNode, "after", Duration.ZERO, problems, "archive.");
            Duration every = ConfigSections.duration(archiveNode, "every", Duration.ofHours(1), problems, "archive.");
            if (every.compareTo(Duration.ofSeconds(1)) < 0) {
                problems.add("archive.every: '" + every + "' is too short; archive at most once a second (e.g. 1h)");
            }
            int size = (int) ConfigSections.number(archiveNode, "batchSize", 1_000, 1, 100_000, problems, "archive.");
            archive = new Archive(after, every, size);
        } else if (archiveNode != null && !archiveNode.isNull()) {
            problems.add("archive: must be a mapping with after, every and batchSize");
        }

        boolean loadBalance = flag(root, "loadBalance", true, "true (the default) lets placement move sessions so that hot"
                + " sources do not share a member, false balances by count alone", problems);
        boolean drills = flag(root, "drills", false, "false (the default) makes this member refuse the failover drill's"
                + " request to halt or stop it, true allows it", problems);

        Metrics metrics = metrics(root.get("metrics"), problems);

        Alerts alerts = AlertsSection.parse(root.get("alerts"), base, env, problems);

        if (!problems.isEmpty()) {
            throw new ConfigException(origin, problems);
        }
        return new BusConfig(destination, List.copyOf(sources), definitions,
                new SessionSettings(batchSize, batchBytes, gapWait, poll, idlePollMax, backoff, retention), map, backups, threads,
                archive, loadBalance, metrics, drills, alerts);
    }

    private static Metrics metrics(JsonNode node, List<String> problems) {
        if (node == null || node.isNull()) {
            return Metrics.OFF;
        }
        if (!node.isObject()) {
            problems.add("metrics: must be a mapping with port (and host), e.g. { port: 9401 }; leave it out to serve no"
                    + " Prometheus endpoint on the members");
            return Metrics.OFF;
        }
        ConfigSections.unknownKeys("metrics.", node, METRICS_KEYS, problems);
        int port = -1;
        JsonNode portNode = node.get("port");
        if (portNode == null || portNode.isNull()) {
            problems.add("metrics.port: missing; give the port of each member's Prometheus endpoint, e.g. 9401 (0: any free"
                    + " port, logged at start)");
        } else if (!portNode.isIntegralNumber() || !portNode.canConvertToInt() || portNode.intValue() < 0
                || portNode.intValue() > 65_535) {
            problems.add("metrics.port: '" + portNode.asText() + "' is not a port; give a whole number from 0 to 65535 for each"
                    + " member's Prometheus endpoint, e.g. 9401 (0: any free port, logged at start)");
        } else {
            port = portNode.intValue();
        }
        String host = ConfigSections.text(node, "host");
        if (node.has("host") && (host == null || !HOST.matcher(host).matches())) {
            problems.add("metrics.host: '" + (host == null ? node.get("host").toString() : Identifiers.printable(host))
                    + "' is not a host name or IP address; give the interface to listen on, e.g. 10.0.0.5, or leave it out"
                    + " for the member's own address");
        }
        return new Metrics(port, host);
    }

    private static boolean flag(JsonNode root, String key, boolean byDefault, String meaning, List<String> problems) {
        JsonNode node = root.get(key);
        if (node == null) {
            return byDefault;
        }
        if (!node.isBoolean()) {
            problems.add(key + ": '" + node.asText() + "' is not true or false; " + meaning);
            return byDefault;
        }
        return node.booleanValue();
    }

    /** Why {@code id} cannot name a source (with the fix), or null when it can. */
    public static String idProblem(String id) {
        if (id != null && SOURCE_ID.matcher(id).matches()) {
            return null;
        }
        return (id == null ? "missing" : "'" + Identifiers.printable(id) + "' is not allowed")
                + "; use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit";
    }

    public SourceConfig source(String id) {
        return ((SourceList) sources).byId(id);
    }
}
