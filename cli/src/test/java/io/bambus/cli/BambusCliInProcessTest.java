package io.bambus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.bambus.core.event.EventStream;
import io.bambus.grid.BusMember;
import io.bambus.grid.session.SessionState;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class BambusCliInProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);



    @Test
    @Timeout(150)
    void everyCommandAgainstARunningClusterWithExitCodesAScriptCanTrust() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("shop", "crm"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            HazelcastInstance member = cluster.start(0);
            Await.until("both sessions to run", TIMEOUT, () -> ClusterFixture.running(member).equals(Set.of("shop", "crm")));
            List<String> common = List.of("--config", env.configFile.toString(), "--cluster", cluster.clusterName(),
                    "--members", cluster.clientAddress(0));

            CliRun status = CliRun.of(common, "--json", "status");
            assertEquals(0, status.exit(), status.err());
            assertEquals(1, status.json().get("members").size());
            assertEquals(2, status.json().get("sessions").size());
            CliRun text = CliRun.of(common, "status");
            assertTrue(text.out().contains("crm") && text.out().contains("RUNNING"), text.out());

            CliRun paused = CliRun.of(common, "sessions", "pause", "crm");
            assertEquals(0, paused.exit(), paused.err());
            assertEquals(SessionState.PAUSED, BusMember.of(member).sessions().get("crm").state());
            CliRun again = CliRun.of(common, "sessions", "pause", "crm");
            assertEquals(1, again.exit());
            assertTrue(again.err().contains("is PAUSED"), again.err());
            CliRun unknown = CliRun.of(common, "sessions", "pause", "nope");
            assertEquals(1, unknown.exit());
            assertTrue(unknown.err().contains("no session 'nope'"), unknown.err());
            assertEquals(0, CliRun.of(common, "sessions", "resume", "crm").exit());
            CliRun list = CliRun.of(common, "--json", "sessions", "list");
            assertEquals("RUNNING", list.json().get(0).get("state").asText());

            try (EventStream events = EventStream.on(env.sources.get("shop"))) {
                events.beginActivity("Invoice", "inv-1");
            }
            Await.until("the event to be quarantined", TIMEOUT, () -> {
                try {
                    return CliRun.of(common, "--json", "failed", "list").json().get("total").asLong() == 1;
                } catch (Exception e) {
                    return false;
                }
            });
            long id = CliRun.of(common, "--json", "failed", "list", "--session", "shop").json().get("rows").get(0).get("id").asLong();
            CliRun show = CliRun.of(common, "failed", "show", String.valueOf(id));
            assertEquals(0, show.exit());
            assertTrue(show.out().contains("unknown activity 'Invoice'"), show.out());
            CliRun retry = CliRun.of(common, "failed", "retry", String.valueOf(id));
            assertEquals(1, retry.exit(), "a retry that still fails is not success");
            assertTrue(retry.out().contains("still failing"), retry.out());
            CliRun everything = CliRun.of(common, "failed", "discard");
            assertEquals(1, everything.exit(), "an unfiltered discard is refused");
            assertTrue(everything.err().contains("give ids or a filter"), everything.err());

            Files.writeString(env.dir.resolve("definitions.yaml"), BusEnvironment.DEFINITIONS
                    + "  - name: Invoice\n    items:\n      - { name: Total, type: integer }\n");
            CliRun plan = CliRun.of(common, "deploy", "--dry-run");
            assertEquals(0, plan.exit(), plan.err());
            assertTrue(plan.out().contains("CREATE TABLE IF NOT EXISTS `bam_Invoice_active`"), plan.out());
            assertEquals(0, env.query(env.destination, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '"
                    + env.destinationDb + "' AND table_name = 'bam_Invoice_active'"), "a dry run changes nothing");
            assertEquals(0, CliRun.of(common, "deploy").exit());
            CliRun retried = CliRun.of(common, "--json", "failed", "retry", "--session", "shop");
            assertEquals(0, retried.exit(), retried.out() + retried.err());
            assertEquals(1, env.query(env.destination, "SELECT COUNT(*) FROM bam_Invoice_active"));
            assertEquals(1, CliRun.of(common, "failed", "show", String.valueOf(id)).exit(), "gone once retried");

            try (EventStream events = EventStream.on(env.sources.get("shop"))) {
                events.beginActivity("Order", "old-1").updateActivity("Order", "old-1", "Placed", java.time.Instant.now(), "Step", 1)
                        .endActivity("Order", "old-1");
                events.beginActivity("Order", "new-1").updateActivity("Order", "new-1", "Placed", java.time.Instant.now(), "Step", 2)
                        .endActivity("Order", "new-1");
            }
            Await.until("both orders completed", TIMEOUT, () -> env.count(env.destination, "SELECT COUNT(*) FROM bam_Order_completed") == 2);
            try (var connection = env.destination.getConnection(); var statement = connection.createStatement()) {
                statement.executeUpdate("UPDATE bam_Order_completed SET LastModified = '2020-01-01' WHERE ActivityID = 'old-1'");
            }
            CliRun noWindow = CliRun.of(common, "archive");
            assertEquals(2, noWindow.exit(), "no online window configured or given");
            assertTrue(noWindow.err().contains("give --after"), noWindow.err());
            CliRun archived = CliRun.of(common, "archive", "--after", "1d");
            assertEquals(0, archived.exit(), archived.err());
            assertTrue(archived.out().contains("Order: 1 archived"), archived.out());
            assertEquals(1, env.query(env.destination, "SELECT COUNT(*) FROM bam_Order_archive WHERE ActivityID = 'old-1'"));

            // the test activity's real-time aggregation: listed, rebuilt from the rows (the archived one too), shown
            CliRun aggregations = CliRun.of(common, "--json", "aggregations", "list");
            assertEquals("Desk.Steps", aggregations.json().get(0).get("name").asText(), aggregations.out());
            CliRun rebuilt = CliRun.of(common, "aggregations", "rebuild", "Steps");
            assertEquals(0, rebuilt.exit(), rebuilt.err());
            long instances = env.query(env.destination, "SELECT (SELECT COUNT(*) FROM bam_Order_active) + (SELECT COUNT(*)"
                    + " FROM bam_Order_completed) + (SELECT COUNT(*) FROM bam_Order_archive)");
            assertTrue(rebuilt.out().matches("rebuilt Desk\\.Steps from " + instances + " instance\\(s\\) in \\d+ ms\n"),
                    rebuilt.out());
            CliRun shown = CliRun.of(common, "--json", "aggregations", "show", "Desk.Steps");
            long counted = 0;
            for (var row : shown.json().get("rows")) {
                counted += row.get("Orders").asLong();
            }
            assertEquals(instances, counted, "every instance counted once in the window's rows: " + shown.out());
            assertTrue(CliRun.of(common, "aggregations", "show", "Desk.Steps").out().contains("row(s) in bam_Desk_Steps_rta_view"));
            CliRun noSuch = CliRun.of(common, "aggregations", "rebuild", "Nope");
            assertEquals(Bambus.REFUSED, noSuch.exit());
            assertTrue(noSuch.err().contains("no aggregation 'Nope' is deployed; the deployed ones are [Desk.Steps]"), noSuch.err());

            try (var connection = env.destination.getConnection(); var statement = connection.createStatement()) {
                statement.executeUpdate("INSERT INTO bam_alerts (rule, activity_id, activity, rule_text, since_at, due_at,"
                        + " detected_at) VALUES ('placed-not-paid', 'o-7', 'Order', 'milestone Placed without Paid within 30m',"
                        + " '2026-11-30 10:00:00', '2026-11-30 10:30:00', '2026-11-30 10:30:01')");
            }
            CliRun alerts = CliRun.of(common, "alerts");
            assertEquals(0, alerts.exit(), alerts.err());
            assertTrue(alerts.out().contains("o-7") && alerts.out().contains("2026-11-30T10:30:00Z")
                    && alerts.out().contains("1 open alert(s)"), alerts.out());
            CliRun alertsJson = CliRun.of(common, "--json", "alerts", "--rule", "other");
            assertEquals(0, alertsJson.json().get("total").asLong(), alertsJson.out());
            assertEquals(1, alertsJson.json().get("rules").get(0).get("open").asLong(), alertsJson.out());

            CliRun bad = CliRun.of(common, "sessions", "explode", "crm");
            assertEquals(2, bad.exit());
            assertTrue(bad.err().contains("explode"), bad.err());
            assertEquals(2, CliRun.of(common, "failed", "show", "not-a-number").exit());
            assertEquals(2, CliRun.of(List.of(), "failed", "list").exit(), "no configuration: usage error");
        }
    }


    /**
     * Every command that needs the cluster, with no cluster there, and every command that needs
     * the destination, with the destination down: exit 3, an error naming what to check, and
     * nothing changed (destination, configuration file, no backup file).
     */
    @Test
    @Timeout(120)
    void anUnreachableClusterOrDestinationIsAClearErrorWithItsOwnExitCodeAndChangesNothing() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("shop"), null)) {
            Path backup = env.dir.resolve("backup.sql");
            List<String> noCluster = List.of("--config", env.configFile.toString(), "--cluster", "nobody-here", "--members",
                    "127.0.0.1:5999", "--connect-timeout", "1");
            assertEquals(0, CliRun.of(noCluster, "backup", "--output", backup.toString()).exit(), "a backup needs no cluster");
            String config = Files.readString(env.configFile);
            String tables = tables(env);
            List<List<String>> clusterCommands = List.of(List.of("status"), List.of("sessions", "list"),
                    List.of("sessions", "pause", "shop"), List.of("failed", "retry", "1"), List.of("failed", "discard", "1"),
                    List.of("restore", backup.toString(), "--force"), List.of("drill", "--session", "shop"),
                    List.of("sources", "add", "crm", "--jdbc-url", env.sourceJdbcUrl("shop"), "--username", env.user()),
                    List.of("sources", "remove", "shop"));
            long start = System.nanoTime();
            for (List<String> command : clusterCommands) {
                CliRun run = CliRun.of(noCluster, command.toArray(String[]::new));
                assertEquals(3, run.exit(), command + ": " + run.out() + run.err());
                assertTrue(run.err().contains("cannot reach cluster 'nobody-here' at [127.0.0.1:5999] within 1 s; check --members"),
                        command + ": " + run.err());
            }
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(60).toNanos(), "each gives up within its timeout");

            Path downConfig = env.dir.resolve("down.yaml");
            Files.writeString(downConfig, config.replace(env.destinationJdbcUrl(), "jdbc:mysql://127.0.0.1:1/bam")
                    .replace("destination: { ", "destination: { connectTimeoutMillis: 250, "));
            List<String> noDestination = List.of("--config", downConfig.toString(), "--cluster", "nobody-here", "--members",
                    "127.0.0.1:5999", "--connect-timeout", "1");
            Path second = env.dir.resolve("second.sql");
            for (List<String> command : List.of(List.of("failed", "list"), List.of("failed", "show", "1"), List.of("deploy"),
                    List.of("deploy", "--dry-run"), List.of("archive", "--after", "1d"), List.of("alerts"),
                    List.of("backup", "--output", second.toString()))) {
                CliRun run = CliRun.of(noDestination, command.toArray(String[]::new));
                assertEquals(3, run.exit(), command + ": " + run.out() + run.err());
                assertTrue(run.err().contains("127.0.0.1:1"), command + " names the destination it could not reach: " + run.err());
            }
            try (var files = Files.list(env.dir)) {
                assertEquals(List.of("backup.sql", "bus.yaml", "definitions.yaml", "down.yaml"),
                        files.map(f -> f.getFileName().toString()).sorted().toList(), "no backup, partial or temporary file left");
            }
            assertEquals(config, Files.readString(env.configFile), "the configuration file is unchanged");
            assertEquals(tables, tables(env), "the destination is unchanged");
        }
    }

    private static String tables(BusEnvironment env) throws Exception {
        try (var connection = env.destination.getConnection(); var statement = connection.createStatement();
             var rows = statement.executeQuery("SELECT table_name, table_rows FROM information_schema.tables"
                     + " WHERE table_schema = DATABASE() ORDER BY table_name")) {
            StringBuilder all = new StringBuilder();
            while (rows.next()) {
                all.append(rows.getString(1)).append(' ');
            }
            return all.toString();
        }
    }
}
