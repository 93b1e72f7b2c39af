package io.bambus.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.bambus.core.sql.Identifiers;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The bus file's {@code alerts:} section. Checks what the file alone can tell (names, durations,
 * the webhook's URL); whether each rule's activity and milestones exist is checked against the
 * definitions by {@code AlertRules.check} (in the alert package, which depends on this one).
 */
final class AlertsSection {

    private static final Set<String> KEYS = Set.of("every", "keepResolved", "webhook", "rules");
    private static final Set<String> WEBHOOK_KEYS = Set.of("url", "timeout", "retryFor", "authorization", "authorizationEnv",
            "authorizationFile", "authorizationSecret");
    private static final Set<String> RULE_KEYS = Set.of("name", "activity", "begun", "milestone", "without", "within");

    private AlertsSection() {
    }

    static BusConfig.Alerts parse(JsonNode node, Path base, Map<String, String> env, List<String> problems) {
        if (node == null || node.isNull()) {
            return BusConfig.Alerts.OFF;
        }
        if (!node.isObject()) {
            problems.add("alerts: must be a mapping with every, webhook and rules");
            return BusConfig.Alerts.OFF;
        }
        ConfigSections.unknownKeys("alerts.", node, KEYS, problems);
        Duration every = ConfigSections.duration(node, "every", BusConfig.Alerts.DEFAULT_EVERY, problems, "alerts.");
        if (every.compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add("alerts.every: '" + node.get("every").asText() + "' is too short; evaluate at most once a second"
                    + " (e.g. 30s)");
        }
        Duration keep = ConfigSections.duration(node, "keepResolved", BusConfig.Alerts.DEFAULT_KEEP_RESOLVED, problems,
                "alerts.");
        Webhook webhook = webhook(node.get("webhook"), base, env, problems);
        List<AlertRule> rules = new ArrayList<>();
        JsonNode ruleNodes = node.get("rules");
        if (ruleNodes == null || ruleNodes.isNull()) {
            problems.add("alerts.rules: missing; give a list of rules, e.g. { name: placed-not-paid, activity: Order,"
                    + " milestone: Placed, without: Paid, within: 30m }");
        } else if (!ruleNodes.isArray()) {
            problems.add("alerts.rules: must be a list of rules, each with name, activity, begun or milestone, without"
                    + " and within");
        } else {
            Set<String> names = new HashSet<>();
            for (int i = 0; i < ruleNodes.size(); i++) {
                AlertRule rule = rule("alerts.rules[" + i + "]", ruleNodes.get(i), names, problems);
                if (rule != null) {
                    rules.add(rule);
                }
            }
        }
        return new BusConfig.Alerts(every, keep, webhook, List.copyOf(rules));
    }

    private static AlertRule rule(String key, JsonNode node, Set<String> names, List<String> problems) {
        if (!node.isObject()) {
            problems.add(key + ": must be a mapping with name, activity, begun or milestone, without and within");
            return null;
        }
        String name = ConfigSections.text(node, "name");
        if (name == null || !BusConfig.SOURCE_ID.matcher(name).matches()) {
            problems.add(key + ".name: " + (name == null ? "missing" : "'" + Identifiers.printable(name) + "' is not allowed")
                    + "; use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
            return null;
        }
        key = "alerts.rules[" + name + "]";
        ConfigSections.unknownKeys(key + ".", node, RULE_KEYS, problems);
        if (!names.add(name.toLowerCase(Locale.ROOT))) {
            problems.add(key + ".name: two rules have this name (case does not count); each rule needs its own (it keys the"
                    + " rule's alerts in bam_alerts)");
        }
        int before = problems.size();
        String activity = ConfigSections.text(node, "activity");
        if (activity == null) {
            problems.add(key + ".activity: missing; give the name of an activity in the definitions file");
        } else if (Identifiers.problem(activity, Identifiers.MAX_ACTIVITY_NAME) != null) {
            problems.add(key + ".activity: '" + Identifiers.printable(activity) + "' "
                    + Identifiers.problem(activity, Identifiers.MAX_ACTIVITY_NAME));
        }
        JsonNode begun = node.get("begun");
        String milestone = ConfigSections.text(node, "milestone");
        if (begun != null && !(begun.isBoolean() && begun.booleanValue())) {
            problems.add(key + ".begun: '" + begun.asText() + "' must be true (or leave it out and give milestone)");
        } else if (begun != null && milestone != null) {
            problems.add(key + ": give either begun: true or milestone: NAME, not both");
        } else if (begun == null && milestone == null) {
            problems.add(key + ": missing its start; give begun: true (counted from the instance's first event) or"
                    + " milestone: NAME (counted from that milestone)");
        } else if (milestone != null && Identifiers.problem(milestone, Identifiers.MAX_ITEM_NAME) != null) {
            problems.add(key + ".milestone: '" + Identifiers.printable(milestone) + "' "
                    + Identifiers.problem(milestone, Identifiers.MAX_ITEM_NAME));
        }
        String without = ConfigSections.text(node, "without");
        if (without == null) {
            problems.add(key + ".without: missing; give " + AlertRule.END + " (the instance completes) or a milestone of"
                    + " the activity");
        } else if (without.equalsIgnoreCase(AlertRule.END)) {
            without = null;
        } else if (Identifiers.problem(without, Identifiers.MAX_ITEM_NAME) != null) {
            problems.add(key + ".without: '" + Identifiers.printable(without) + "' "
                    + Identifiers.problem(without, Identifiers.MAX_ITEM_NAME) + "; or give " + AlertRule.END);
        } else if (without.equalsIgnoreCase(milestone)) {
            problems.add(key + ".without: the rule starts at milestone " + milestone + " and waits for it too; name"
                    + " the milestone that should follow it");
        }
        Duration within = ConfigSections.duration(node, "within", null, problems, key + ".");
        if (node.get("within") == null || node.get("within").isNull()) {
            problems.add(key + ".within: missing; give how long the instance may take, e.g. 30m or 2h");
        } else if (within != null && within.compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add(key + ".within: '" + node.get("within").asText() + "' is too short; give at least 1s");
        }
        return problems.size() > before ? null : new AlertRule(name, activity, milestone, without, within);
    }

    private static Webhook webhook(JsonNode node, Path base, Map<String, String> env, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add("alerts.webhook: must be a mapping with url (and timeout, retryFor, authorization)");
            return null;
        }
        ConfigSections.unknownKeys("alerts.webhook.", node, WEBHOOK_KEYS, problems);
        Duration timeout = ConfigSections.duration(node, "timeout", Duration.ofSeconds(5), problems, "alerts.webhook.");
        if (timeout.compareTo(Duration.ofMillis(100)) < 0 || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
            problems.add("alerts.webhook.timeout: '" + node.get("timeout").asText() + "' must be from 100ms to 5m");
        }
        Duration retryFor = ConfigSections.duration(node, "retryFor", Duration.ofHours(1), problems, "alerts.webhook.");
        if (retryFor.compareTo(Duration.ofDays(7)) > 0) {
            problems.add("alerts.webhook.retryFor: '" + node.get("retryFor").asText() + "' is too long; at most 7d");
        }
        String authorization = ConfigSections.secret("alerts.webhook", node, "authorization", base, env, problems);
        String url = ConfigSections.text(node, "url");
        if (url == null) {
            problems.add("alerts.webhook.url: missing; give the receiver's http:// or https:// address");
            return null;
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            problems.add("alerts.webhook.url: not a valid URL (" + e.getReason() + "); give an http:// or https:// address");
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            problems.add("alerts.webhook.url: scheme '" + Identifiers.printable(scheme) + "' is not allowed; give an http:// or"
                    + " https:// address");
            return null;
        }
        if (uri.getHost() == null) {
            problems.add("alerts.webhook.url: " + Webhook.safeUrl(uri) + " has no host; give e.g. https://hooks.example/bam");
            return null;
        }
        if (uri.getRawUserInfo() != null) {
            if (authorization != null && !authorization.isEmpty()) {
                problems.add("alerts.webhook: the url carries credentials and authorization is given too; keep one");
                return null;
            }
            // credentials in the URL become Basic authorization: the address itself never carries them further
            String userInfo = URLDecoder.decode(uri.getRawUserInfo().replace("+", "%2B"), StandardCharsets.UTF_8);
            authorization = "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
            uri = URI.create(uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                    + (uri.getRawPath() == null ? "" : uri.getRawPath()) + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        }
        return new Webhook(uri, timeout, retryFor, authorization == null ? "" : authorization);
    }
}
