package io.bambus.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BusConfigTest {

    @TempDir
    Path dir;

    private BusConfig parse(String yaml, Map<String, String> env) throws Exception {
        Files.writeString(dir.resolve("definitions.yaml"), "activities: []");
        return BusConfig.parse("bus.yaml", yaml, dir, env);
    }

    private String problems(String yaml) {
        return String.join("\n", assertThrows(ConfigException.class, () -> parse(yaml, Map.of())).problems());
    }

    @Test
    void fullConfigurationParsesWithSecretsFromEnvironmentAndFile() throws Exception {
        Files.writeString(dir.resolve("shop.pw"), "s3cret\n");
        BusConfig config = parse("""
                destination: { jdbcUrl: "jdbc:mysql://db:3306/bam", username: bam, passwordEnv: BAM_PW, poolSize: 8 }
                sources:
                  - { id: shop, jdbcUrl: "jdbc:mysql://shop:3306/shop", username: app, passwordFile: shop.pw }
                  - { id: crm.eu-1, jdbcUrl: "jdbc:mysql://crm/crm", username: app, outboxTable: events, enabled: false }
                definitions: definitions.yaml
                batchSize: 250
                retention: 24h
                sessions: { backupCount: 2 }
                """, Map.of("BAM_PW", "from-env"));
        assertEquals("from-env", config.destination().password());
        assertEquals("s3cret", config.source("shop").database().password());
        assertEquals("events", config.source("crm.eu-1").outboxTable());
        assertFalse(config.source("crm.eu-1").enabled());
        assertEquals(250, config.session().batchSize());
        assertEquals(Duration.ofHours(24), config.session().retention());
        assertEquals(2, config.sessionBackupCount());
        assertFalse(config.drills(), "a member refuses failover drills unless its file says drills: true");
        assertFalse(config.destination().toString().contains("from-env"), "passwords never print");
    }

    @Test
    void aPasswordSecretIsLookedUpAmongTheSecretsHandedOverAndNeverInTheEnvironment() throws Exception {
        String yaml = """
                destination: { jdbcUrl: "jdbc:mysql://db/bam", username: bam, passwordSecret: dest_db }
                definitions: definitions.yaml
                """;
        assertEquals("s3cret", parse(yaml, Map.of(Secrets.key("dest_db"), "s3cret")).destination().password());
        String missing = String.join("\n", assertThrows(ConfigException.class,
                () -> parse(yaml, Map.of("dest_db", "an environment variable is no secret"))).problems());
        assertTrue(missing.contains("destination.passwordSecret: secret 'dest_db' was not handed to this process at start"),
                missing);
        assertEquals(Map.of("a", "x=y", "b.c", ""), Secrets.parse("t", "# comment\n\na=x=y\nb.c=\n"));
        ConfigException bad = assertThrows(ConfigException.class, () -> Secrets.parse("t", "a=1\nhunter2\na=2\n"));
        assertEquals(List.of("line 2: not NAME=value (a name of letters, digits, '_', '.' and '-', starting with a letter"
                + " or '_', then '=', then the secret)", "line 3: secret 'a' is given twice; keep one"), bad.problems());
        assertFalse(bad.getMessage().contains("hunter2"), "a malformed line's text is never repeated: it may be a secret");
        assertEquals(Map.of("a", "1"), Secrets.parse("t", "\uFEFF#bambus-secrets 1\r\na=1\r\n"));
        assertEquals(List.of("2 secrets were announced and 1 arrived: the input is incomplete (did another process read from"
                + " this member's standard input?); start the member again"),
                assertThrows(ConfigException.class, () -> Secrets.parse("t", "#bambus-secrets 2\nb=2\n")).problems());
        assertEquals(List.of("line 1: the value of secret 'a' starts or ends with white space; write NAME=value with nothing"
                + " around the value"), assertThrows(ConfigException.class, () -> Secrets.parse("t", "a = 1\n")).problems());
    }

    @Test
    void drillsAreAllowedOnlyByAnExplicitTrue() throws Exception {
        String minimal = "destination: { jdbcUrl: \"jdbc:mysql://db/bam\", username: bam }\ndefinitions: definitions.yaml\n";
        assertTrue(parse(minimal + "drills: true\n", Map.of()).drills());
        assertFalse(parse(minimal + "drills: false\n", Map.of()).drills());
        assertTrue(problems(minimal + "drills: yes please\n").contains("drills: 'yes please' is not true or false; false (the"
                + " default) makes this member refuse the failover drill's request to halt or stop it, true allows it"));
    }

    @Test
    void everyProblemIsReportedWithItsKeyAndFix() {
        String p = problems("""
                destination: { jdbcUrl: "jdbc:postgresql://x/y", passwordEnv: NOT_SET }
                sources:
                  - { id: "bad id!", jdbcUrl: "jdbc:mysql://a/b", username: u }
                  - { id: a, jdbcUrl: "jdbc:mysql://a/b", username: u, outboxTable: "drop table" }
                  - { id: a, jdbcUrl: "jdbc:mysql://a/b", username: u, password: x, passwordEnv: Y }
                definitions: missing.yaml
                batchSize: 0
                retention: forever
                pollIntervall: 5
                """);
        assertTrue(p.contains("destination.jdbcUrl: 'jdbc:postgresql://x/y' is not a MySQL Connector/J URL; it must start with jdbc:mysql:"), p);
        assertTrue(p.contains("destination.username: missing"), p);
        assertTrue(p.contains("destination.passwordEnv: environment variable 'NOT_SET' is not set"), p);
        assertTrue(p.contains("sources[0].id: 'bad id!' is not allowed"), p);
        assertTrue(p.contains("sources[a].outboxTable: 'drop table' must match"), p);
        assertTrue(p.contains("sources[a].id: two sources have this id"), p);
        assertTrue(p.contains("sources[a]: give only one of passwordSecret, password, passwordEnv and passwordFile"), p);
        assertTrue(p.contains("definitions: " + dir.resolve("missing.yaml") + " does not exist"), p);
        assertTrue(p.contains("batchSize: '0' must be a whole number from 1 to 10000"), p);
        assertTrue(p.contains("retention: 'forever' is not a duration"), p);
        assertTrue(p.contains("pollIntervall: unknown key"), p);
    }

    /** YAML reads an unquoted 04 as the number 4: a source (and its checkpoint) would not be the one written. */
    @Test
    void anIdThatYamlReadsAsANumberOrBooleanIsRefusedWithTheFix() throws Exception {
        String head = "destination: { jdbcUrl: \"jdbc:mysql://db/bam\", username: bam }\ndefinitions: definitions.yaml\nsources:\n";
        String p = problems(head + """
                  - { id: 04, jdbcUrl: "jdbc:mysql://a/b", username: u }
                  - { id: 1e3, jdbcUrl: "jdbc:mysql://a/b", username: u }
                  - { id: true, jdbcUrl: "jdbc:mysql://a/b", username: u }
                """);
        assertTrue(p.contains("sources[0].id: YAML reads this unquoted id as the number 4, which need not be what is written"
                + " (04 reads as 4); put the id in quotes exactly as you mean it, e.g. id: \"04\""), p);
        assertTrue(p.contains("sources[1].id: YAML reads this unquoted id as the number 1000.0"), p);
        assertTrue(p.contains("sources[2].id: YAML reads this unquoted id as the boolean true"), p);
        BusConfig quoted = parse(head + """
                  - { id: "04", jdbcUrl: "jdbc:mysql://a/b", username: u }
                  - { id: shop, jdbcUrl: "jdbc:mysql://a/b", username: u }
                """, Map.of());
        assertEquals(List.of("04", "shop"), quoted.sources().stream().map(SourceConfig::id).toList());
    }

    private static final String MINIMAL = """
            destination: { jdbcUrl: "jdbc:mysql://db:3306/bam", username: bam }
            definitions: definitions.yaml
            """;

    @Test
    void memberMetricsEndpointIsOffUnlessConfigured() throws Exception {
        assertFalse(parse(MINIMAL, Map.of()).metrics().enabled());
        BusConfig.Metrics metrics = parse(MINIMAL + "metrics: { port: 9401, host: 10.0.0.5 }\n", Map.of()).metrics();
        assertTrue(metrics.enabled());
        assertEquals(9401, metrics.port());
        assertEquals("10.0.0.5", metrics.host());
        assertEquals(new BusConfig.Metrics(0, null), parse(MINIMAL + "metrics: { port: 0 }\n", Map.of()).metrics(),
                "port 0: any free port, on the member's own address");
    }

    @Test
    void badMetricsPortOrHostIsNamedWithTheFix() {
        String tooHigh = problems(MINIMAL + "metrics: { port: 70000 }\n");
        assertTrue(tooHigh.contains("metrics.port: '70000' is not a port; give a whole number from 0 to 65535 for each member's"
                + " Prometheus endpoint, e.g. 9401"), tooHigh);
        assertTrue(problems(MINIMAL + "metrics: { port: nine }\n").contains("metrics.port: 'nine' is not a port"));
        assertTrue(problems(MINIMAL + "metrics: { port: -1 }\n").contains("metrics.port: '-1' is not a port"));
        assertTrue(problems(MINIMAL + "metrics: { host: 10.0.0.5 }\n").contains("metrics.port: missing; give the port"));
        assertTrue(problems(MINIMAL + "metrics: { port: 9401, host: \"my host\" }\n")
                .contains("metrics.host: 'my host' is not a host name or IP address"));
        assertTrue(problems(MINIMAL + "metrics: { port: 9401, path: /m }\n").contains("metrics.path: unknown key"));
        assertTrue(problems(MINIMAL + "metrics: 9401\n").contains("metrics: must be a mapping with port"));
    }

    @Test
    void missingSectionsAndBrokenYamlAreNamed() {
        assertTrue(problems("sources: []").contains("destination: missing"));
        assertTrue(problems("destination: [").contains("not valid YAML"));
        assertTrue(problems("batchSize: 5\nbatchSize: 6\n").contains("'batchSize' is written twice in one mapping; keep one"));
        assertTrue(problems("- a").contains("must be a YAML mapping"));
    }

    private static final String BASE = """
            destination: { jdbcUrl: "jdbc:mysql://db:3306/bam", username: bam }
            definitions: definitions.yaml
            """;

    @Test
    void alertsParseWithDefaultsAndCredentialsOutOfTheUrl() throws Exception {
        BusConfig none = parse(BASE, Map.of());
        assertFalse(none.alerts().enabled(), "no section: no alerts");
        BusConfig config = parse(BASE + """
                alerts:
                  webhook: { url: "https://ops:p%40ss@hooks.example/bam?token=t0p", timeout: 3s }
                  rules:
                    - { name: order-not-shipped, activity: Order, begun: true, without: end, within: 2h }
                    - { name: placed-not-paid, activity: Order, milestone: Placed, without: Paid, within: 30m }
                """, Map.of());
        BusConfig.Alerts alerts = config.alerts();
        assertTrue(alerts.enabled());
        assertEquals(Duration.ofSeconds(30), alerts.every());
        assertEquals(Duration.ofDays(30), alerts.keepResolved());
        assertEquals(List.of(new AlertRule("order-not-shipped", "Order", null, null, Duration.ofHours(2)),
                new AlertRule("placed-not-paid", "Order", "Placed", "Paid", Duration.ofMinutes(30))), alerts.rules());
        assertEquals("begun without End within 2h", alerts.rules().get(0).condition());
        Webhook webhook = alerts.webhook();
        assertEquals("https://hooks.example/bam?token=t0p", webhook.uri().toString(), "credentials leave the address");
        assertEquals("Basic " + Base64.getEncoder().encodeToString("ops:p@ss".getBytes(StandardCharsets.UTF_8)),
                webhook.authorization());
        assertEquals(Duration.ofSeconds(3), webhook.timeout());
        assertEquals(Duration.ofHours(1), webhook.retryFor());
        assertFalse(config.toString().contains("t0p") || config.toString().contains("ops:p"), config.toString());

        Files.writeString(dir.resolve("hook.auth"), "Bearer abc\n");
        assertEquals("Bearer abc", parse(BASE + """
                alerts:
                  every: 5s
                  webhook: { url: "http://10.0.0.7:8080/in", authorizationFile: hook.auth }
                  rules: []
                """, Map.of()).alerts().webhook().authorization());
    }

    @Test
    void everyAlertProblemNamesItsRuleKeyAndFix() {
        String p = problems(BASE + """
                alerts:
                  every: 0
                  colour: red
                  webhook: { url: "ftp://hooks.example/x", timeout: 10m }
                  rules:
                    - { name: a, activity: Order, begun: true, milestone: Placed, without: Paid, within: 1h }
                    - { name: b, activity: Order, without: Paid, within: 1h }
                    - { name: c, activity: "Or der", milestone: Placed, within: soon }
                    - { name: d, activity: Order, milestone: Paid, without: paid, within: 500ms }
                    - { name: A, activity: Order, begun: maybe, without: End, within: 1h, extra: 1 }
                    - { name: "no good", activity: Order, begun: true, without: End, within: 1h }
                    - { name: e, activity: Order, begun: true, without: End }
                """);
        assertTrue(p.contains("alerts.every: '0' is too short"), p);
        assertTrue(p.contains("alerts.colour: unknown key"), p);
        assertTrue(p.contains("alerts.webhook.url: scheme 'ftp' is not allowed; give an http:// or https:// address"), p);
        assertTrue(p.contains("alerts.webhook.timeout: '10m' must be from 100ms to 5m"), p);
        assertTrue(p.contains("alerts.rules[a]: give either begun: true or milestone: NAME, not both"), p);
        assertTrue(p.contains("alerts.rules[b]: missing its start; give begun: true"), p);
        assertTrue(p.contains("alerts.rules[c].activity: 'Or der' must match"), p);
        assertTrue(p.contains("alerts.rules[c].without: missing; give End (the instance completes) or a milestone"), p);
        assertTrue(p.contains("alerts.rules[c].within: 'soon' is not a duration"), p);
        assertTrue(p.contains("alerts.rules[d].without: the rule starts at milestone Paid and waits for it too"), p);
        assertTrue(p.contains("alerts.rules[d].within: '500ms' is too short; give at least 1s"), p);
        assertTrue(p.contains("alerts.rules[A].name: two rules have this name (case does not count)"), p);
        assertTrue(p.contains("alerts.rules[A].begun: 'maybe' must be true"), p);
        assertTrue(p.contains("alerts.rules[A].extra: unknown key"), p);
        assertTrue(p.contains("alerts.rules[5].name: 'no good' is not allowed"), p);
        assertTrue(p.contains("alerts.rules[e].within: missing"), p);
        assertTrue(problems(BASE + "alerts: { rules: [] , webhook: { url: \"https://u:p@h/x\", authorization: x } }")
                .contains("alerts.webhook: the url carries credentials and authorization is given too; keep one"));
        assertTrue(problems(BASE + "alerts: { every: 1m }").contains("alerts.rules: missing"));
        assertTrue(problems(BASE + "archive: { after: forever }").contains("archive.after: 'forever' is not a duration"));
    }
}

