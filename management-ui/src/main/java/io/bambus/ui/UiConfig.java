package io.bambus.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.bambus.core.config.ConfigException;
import io.bambus.core.config.ConfigSections;
import io.bambus.core.config.DatabaseConfig;
import io.bambus.ui.auth.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The management UI's configuration, one YAML file (docs/configuration.md). Every problem is
 * reported at once with its key and the fix; secrets (the destination password, password hashes)
 * may come from environment variables or files and never appear in {@link #toString()}.
 */
public record UiConfig(String host, int port, boolean secureCookies, List<String> hostNames, String clusterName,
                       List<String> clusterAddresses, String sessionsMap, DatabaseConfig destination, List<User> users) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String WHAT = "management UI configuration";
    private static final Set<String> TOP_KEYS = Set.of("http", "cluster", "destination", "users");
    private static final Set<String> HTTP_KEYS = Set.of("host", "port", "secureCookies", "hostNames");
    private static final Set<String> CLUSTER_KEYS = Set.of("name", "addresses", "sessionsMap");
    private static final Set<String> DATABASE_KEYS = Set.of("jdbcUrl", "username", "password", "passwordEnv",
            "passwordFile", "poolSize", "connectTimeoutMillis", "socketTimeoutMillis");
    private static final Set<String> USER_KEYS = Set.of("name", "role", "passwordHash", "passwordHashEnv", "passwordHashFile");

    /** A user who may log in; {@code passwordHash} is a bcrypt hash ({@code scripts/ui-password-hash.sh} makes one). */
    public record User(String name, Role role, String passwordHash) {
        @Override
        public String toString() {
            return "User[" + name + ", " + role + "]";
        }
    }

    public static UiConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(WHAT, file.toString(), List.of("the file cannot be read (" + e.getMessage()
                    + "); give its path as the first argument of scripts/start-ui.sh"));
        }
        return parse(file.toString(), text, file.toAbsolutePath().getParent(), System.getenv());
    }

    public static UiConfig parse(String origin, String yaml, Path base, Map<String, String> env) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(WHAT, origin, List.of("not valid YAML: " + e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(WHAT, origin, List.of("must be a YAML mapping with 'cluster', 'destination' and 'users'"));
        }
        List<String> problems = new ArrayList<>();
        ConfigSections.unknownKeys("", root, TOP_KEYS, problems);

        JsonNode http = section(root, "http", problems);
        ConfigSections.unknownKeys("http.", http, HTTP_KEYS, problems);
        String host = ConfigSections.text(http, "host");
        int port = (int) ConfigSections.number(http, "port", 8080, 0, 65_535, problems, "http.");
        boolean secure = http.has("secureCookies") && http.get("secureCookies").asBoolean(false);
        List<String> hostNames = new ArrayList<>();
        JsonNode hostNodes = http.get("hostNames");
        if (hostNodes != null && !hostNodes.isNull()) {
            if (!hostNodes.isArray()) {
                problems.add("http.hostNames: must be a list of the names browsers use for the UI, e.g. [\"bam.example.com\"]");
            } else {
                hostNodes.forEach(node -> {
                    String name = node.asText().toLowerCase(Locale.ROOT);
                    if (!node.isTextual() || !name.matches("[a-z0-9.\\-]{1,253}|\\[[0-9a-f:.]{2,45}]")) {
                        problems.add("http.hostNames: '" + node.asText() + "' is not a host name or IP address (no port;"
                                + " an IPv6 address in brackets)");
                    } else {
                        hostNames.add(name);
                    }
                });
            }
        }

        JsonNode cluster = section(root, "cluster", problems);
        ConfigSections.unknownKeys("cluster.", cluster, CLUSTER_KEYS, problems);
        String clusterName = ConfigSections.text(cluster, "name");
        List<String> addresses = new ArrayList<>();
        JsonNode addressNodes = cluster.get("addresses");
        if (addressNodes == null || !addressNodes.isArray() || addressNodes.isEmpty()) {
            problems.add("cluster.addresses: missing; list one or more members as host:port, e.g. [\"127.0.0.1:5701\"]");
        } else {
            addressNodes.forEach(node -> {
                String address = node.asText();
                if (!address.matches("[A-Za-z0-9.\\-\\[\\]:]+(:\\d{1,5})?")) {
                    problems.add("cluster.addresses: '" + address + "' is not host or host:port");
                } else {
                    addresses.add(address);
                }
            });
        }
        String sessionsMap = ConfigSections.text(cluster, "sessionsMap");

        DatabaseConfig destination = null;
        JsonNode destinationNode = root.get("destination");
        if (destinationNode == null || !destinationNode.isObject()) {
            problems.add("destination: missing; give the destination database's jdbcUrl and a read-only user (see docs/configuration.md)");
        } else {
            ConfigSections.unknownKeys("destination.", destinationNode, DATABASE_KEYS, problems);
            destination = ConfigSections.database("destination", destinationNode, 4, base, env, problems);
        }

        List<User> users = new ArrayList<>();
        JsonNode userNodes = root.get("users");
        if (userNodes == null || !userNodes.isArray() || userNodes.isEmpty()) {
            problems.add("users: missing; list at least one user with name, role (viewer or operator) and passwordHash");
        } else {
            Set<String> names = new HashSet<>();
            for (int i = 0; i < userNodes.size(); i++) {
                JsonNode node = userNodes.get(i);
                String key = "users[" + i + "]";
                if (!node.isObject()) {
                    problems.add(key + ": must be a mapping with name, role and passwordHash");
                    continue;
                }
                ConfigSections.unknownKeys(key + ".", node, USER_KEYS, problems);
                String name = ConfigSections.text(node, "name");
                if (name == null || !name.matches("[A-Za-z0-9_.@-]{1,64}")) {
                    problems.add(key + ".name: " + (name == null ? "missing" : "'" + name + "' is not allowed")
                            + "; use 1 to 64 letters, digits, '_', '.', '@' or '-'");
                    continue;
                }
                key = "users[" + name + "]";
                if (!names.add(name.toLowerCase(Locale.ROOT))) {
                    problems.add(key + ": two users have this name");
                }
                Role role = Role.parse(ConfigSections.text(node, "role"));
                if (role == null) {
                    problems.add(key + ".role: '" + ConfigSections.text(node, "role") + "' is not a role; use viewer or operator");
                }
                String hash = ConfigSections.secret(key, node, "passwordHash", base, env, problems);
                if (hash != null && !hash.matches("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}")) {
                    problems.add(key + ".passwordHash: not a bcrypt hash; make one with scripts/ui-password-hash.sh"
                            + " (plain passwords are never accepted)");
                }
                users.add(new User(name, role, hash));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(WHAT, origin, problems);
        }
        return new UiConfig(host == null ? "127.0.0.1" : host, port, secure, List.copyOf(hostNames),
                clusterName == null ? "bambus" : clusterName,
                List.copyOf(addresses), sessionsMap == null ? "eventbus.sessions" : sessionsMap, destination, List.copyOf(users));
    }

    private static JsonNode section(JsonNode root, String name, List<String> problems) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return YAML.createObjectNode();
        }
        if (!node.isObject()) {
            problems.add(name + ": must be a mapping");
            return YAML.createObjectNode();
        }
        return node;
    }
}
