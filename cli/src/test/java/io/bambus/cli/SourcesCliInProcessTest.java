package io.bambus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import io.bambus.core.config.SourceConfig;
import io.bambus.grid.BusMember;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.Producer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bambus sources add|remove} against two members sharing one configuration file: every
 * bad input refused with the file untouched; a source added while its application writes moves
 * every event once; a removal refused while events wait, forced, and the source added again
 * resumes from its checkpoint in the destination (nothing lost, nothing twice).
 */
class SourcesCliInProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String UNMOVED = "SELECT COUNT(*) FROM bam_outbox WHERE COALESCE(moved_batch, 0) = 0";

    @Test
    @Timeout(240)
    void sourcesAreAddedAndRemovedOnARunningClusterWithoutLosingOrRepeatingAnEvent() throws Exception {
        try (BusEnvironment env = new BusEnvironment(List.of("shop", "billing"), null);
             ClusterFixture cluster = new ClusterFixture(env.configFile)) {
            env.writeConfig(List.of("shop"), null); // billing's database and outbox exist; it is not a source yet
            HazelcastInstance first = cluster.start(0);
            HazelcastInstance second = cluster.start(1);
            Await.until("shop to run", TIMEOUT, () -> running(first, second).equals(Set.of("shop")));
            List<String> common = List.of("--config", env.configFile.toString(), "--cluster", cluster.clusterName(),
                    "--members", cluster.clientAddress(0));
            Path password = env.dir.resolve("billing.pw");
            Files.writeString(password, env.password());
            List<String> billing = List.of("billing", "--jdbc-url", env.sourceJdbcUrl("billing"), "--username", env.user(),
                    "--password-file", password.toString());
            String original = Files.readString(env.configFile);
            long shopEpoch = BusMember.of(first).sessions().get("shop").epoch();

            refused(common, 2, "is not allowed", "add", "bad id!", "--jdbc-url", env.sourceJdbcUrl("billing"), "--username", "u");
            refused(common, 2, "--jdbc-url", "add", "billing", "--username", "u");
            refused(common, 2, "give one of --password-secret, --password-file and --password-env", args(billing, "--password-env", "BILLING_PW"));
            refused(common, 2, "must start with jdbc:mysql:", "add", "billing", "--jdbc-url", "jdbc:postgresql://x/y", "--username", "u");
            refused(common, 3, "cannot connect to source jdbc:mysql://127.0.0.1:1/billing", "add", "billing", "--jdbc-url",
                    "jdbc:mysql://127.0.0.1:1/billing", "--username", env.user(), "--password-file", password.toString());
            refused(common, 2, "has no outbox table 'events'", args(billing, "--outbox-table", "events"));
            refused(common, 1, "source 'shop' is already in", "add", "shop", "--jdbc-url", env.sourceJdbcUrl("billing"),
                    "--username", "u");
            refused(List.of("--config", env.configFile.toString(), "--cluster", "nobody-here", "--members", "127.0.0.1:5999",
                    "--connect-timeout", "2"), 3, "cannot reach cluster 'nobody-here'", args(billing));
            refused(common, 1, "no source 'billing' in", "remove", "billing");
            refused(common, 2, "--wait -1 is negative", args(billing, "--wait", "-1"));
            Path definitions = env.dir.resolve("definitions.yaml");
            Files.writeString(definitions, "activities: 5\n");
            refused(common, 2, "the members would refuse the edited file: its definitions", args(billing));
            Files.writeString(definitions, BusEnvironment.DEFINITIONS);
            assertEquals(original, Files.readString(env.configFile), "a refused command leaves the file as it was");

            // the CLI given another copy of the file than the members read: written, but never confirmed
            Path copy = env.dir.resolve("copy.yaml");
            Files.writeString(copy, original);
            List<String> onCopy = new ArrayList<>(common);
            onCopy.set(1, copy.toString());
            CliRun unconfirmed = sources(onCopy, args(billing, "--wait", "2"));
            assertEquals(4, unconfirmed.exit(), unconfirmed.out() + unconfirmed.err());
            assertTrue(unconfirmed.err().contains("source billing was added in " + copy + " but after 2 s members ["), unconfirmed.err());
            assertTrue(unconfirmed.err().contains("do not run with the edited file"), unconfirmed.err());
            assertTrue(Files.readString(copy).contains("id: \"billing\""), "exit 4: the file was changed");
            Files.delete(copy);

            assertNull(BusMember.of(first).sessions().get("billing"), "and the cluster as it was");

            long orders;
            try (Producer producer = new Producer("billing", env.sources.get("billing"), 2)) {
                Await.until("orders waiting in billing before it is a source", TIMEOUT, () -> producer.orders() >= 20);
                CliRun added = sources(json(common), args(billing));
                assertEquals(0, added.exit(), added.err());
                JsonNode row = added.json();
                assertEquals("RUNNING", row.get("state").asText(), added.out());
                assertEquals("added", row.get("action").asText());
                System.out.println("sources add: file written to session running on its owner in " + row.get("millis") + " ms");
                assertNotNull(row.get("owner").textValue(), "the CLI returns once an owner runs it");
                Await.until("billing to run", TIMEOUT, () -> running(first, second).equals(Set.of("shop", "billing")));
                long before = env.applied("billing");
                Await.until("billing to move events written after the add", TIMEOUT, () -> env.applied("billing") > before + 40);
                orders = producer.stop();
            }
            DeliveryCheck.assertExactlyOnce(env, "billing", orders, TIMEOUT);
            SourceConfig shop = BusMember.of(first).config().source("shop");
            for (HazelcastInstance member : List.of(first, second)) {
                assertEquals(List.of("shop", "billing"), BusMember.of(member).config().sources().stream().map(SourceConfig::id).toList());
                assertEquals(shop, BusMember.of(member).config().source("shop"), "the other sources are unchanged");
            }
            assertTrue(Files.readString(env.configFile).startsWith(original.substring(0, original.indexOf("definitions:"))),
                    "the new source is appended to the list; the lines before it are as written");
            assertEquals(shopEpoch, BusMember.of(first).sessions().get("shop").epoch(), "shop was not restarted");

            assertEquals(0, CliRun.of(common, "sessions", "pause", "billing").exit());
            Await.until("billing's runner to stop", TIMEOUT, () -> running(first, second).equals(Set.of("shop")));
            long late;
            try (Producer producer = new Producer("billing-late", env.sources.get("billing"), 2)) {
                Await.until("orders waiting while billing is paused", TIMEOUT, () -> producer.orders() >= 10);
                late = producer.stop();
            }
            String withBilling = Files.readString(env.configFile);
            refused(common, 1, late * Producer.EVENTS_PER_ORDER + " events wait in the outbox of source 'billing'",
                    "remove", "billing");
            assertEquals(withBilling, Files.readString(env.configFile), "refused: the file is unchanged");

            CliRun forced = sources(common, "remove", "billing", "--force");
            assertEquals(0, forced.exit(), forced.err());
            assertTrue(forced.out().contains("source billing removed"), forced.out());
            assertNull(BusMember.of(first).sessions().get("billing"), "its record is gone");
            assertEquals(Set.of("shop"), running(first, second));
            assertEquals(original, Files.readString(env.configFile), "removing the added source gives back the file as it was");
            assertEquals(late * Producer.EVENTS_PER_ORDER, env.query(env.sources.get("billing"), UNMOVED),
                    "the waiting events stay in the outbox");

            refused(common, 1, "give --resume to continue after that checkpoint", args(billing));
            assertEquals(original, Files.readString(env.configFile), "refused: the file is unchanged");
            CliRun again = sources(common, args(billing, "--resume"));
            assertEquals(0, again.exit(), again.err());
            assertTrue(again.out().contains("session billing is RUNNING on "), again.out());
            DeliveryCheck.assertExactlyOnce(env, "billing", orders + late, TIMEOUT);

            CliRun removed = sources(json(common), "remove", "billing");
            assertEquals(0, removed.exit(), "nothing waits now: no --force needed; " + removed.err());
            assertEquals("removed", removed.json().get("action").asText());
            System.out.println("sources remove: file written to no member running it in " + removed.json().get("millis") + " ms");
            assertNull(BusMember.of(second).sessions().get("billing"));

            Files.writeString(env.configFile, original + "bogus: 1\n"); // a hand edit gone wrong
            Await.until("status to warn that the members refused the file", TIMEOUT, () -> {
                CliRun status = CliRun.of(common, "status");
                return status.out().contains("warning: " + cluster.address(0) + " refused its edited configuration file")
                        && status.out().contains("warning: " + cluster.address(1) + " refused");
            });
            refused(common, 2, "bogus: unknown key", args(billing));
            assertTrue(CliRun.of(common, "status").out().contains("refused its edited configuration file and runs with the one"
                    + " before: bogus: unknown key"), "status names the problem");
            Files.writeString(env.configFile, original);
            Await.until("the warning to go", TIMEOUT, () -> !CliRun.of(common, "status").out().contains("warning"));
            SessionRecord shopNow = BusMember.of(first).sessions().get("shop");
            assertEquals(shopEpoch, shopNow.epoch(), "shop ran on throughout");
            assertEquals("RUNNING", shopNow.state().name());
        }
    }

    private static Set<String> running(HazelcastInstance... members) {
        Set<String> all = new java.util.HashSet<>();
        for (HazelcastInstance member : members) {
            all.addAll(ClusterFixture.running(member));
        }
        return all;
    }

    private static String[] args(List<String> add, String... more) {
        List<String> all = new ArrayList<>(List.of("add"));
        all.addAll(add);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static List<String> json(List<String> common) {
        List<String> all = new ArrayList<>(common);
        all.add("--json");
        return all;
    }

    private static CliRun sources(List<String> common, String... args) {
        List<String> all = new ArrayList<>(List.of("sources"));
        all.addAll(List.of(args));
        return CliRun.of(common, all.toArray(String[]::new));
    }

    private static void refused(List<String> common, int exit, String message, String... args) {
        CliRun run = sources(common, args);
        assertEquals(exit, run.exit(), "exit code of sources " + List.of(args) + ": " + run.out() + run.err());
        assertTrue(run.err().contains(message), "error of sources " + List.of(args) + " names the problem: " + run.err());
    }
}
