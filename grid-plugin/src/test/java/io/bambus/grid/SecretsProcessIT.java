package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.jet.pipeline.Pipeline;
import com.hazelcast.jet.pipeline.Sinks;
import com.hazelcast.jet.pipeline.Sources;
import io.bambus.core.testing.TestDatabase;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.BusUsers;
import io.bambus.grid.testing.ChaosCheck;
import io.bambus.grid.testing.MemberProcesses;
import io.bambus.grid.testing.Producer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 26, item 11: a plain Hazelcast client that knows the cluster name submitted a Jet job with
 * {@code Sources.files} and read the bus file with its JDBC passwords. With the password given as
 * {@code passwordSecret}, handed over by {@code start-member.sh --secrets FILE --user nobody}, the
 * member (started by the script, as an unprivileged user) moves events with it, and the same kind
 * of job finds it nowhere: not in the bus file, not in the process's environment or command line,
 * not on its drained standard input, and the secrets file itself is refused.
 */
class SecretsProcessIT {

    private static final String SOURCE = "shop";
    private static final String USER = "nobody";

    @Test
    @Timeout(300)
    void aPasswordHandedOverAtStartMovesEventsAndNoJetJobThroughTheClientPortCanReadIt() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "start-member.sh --user needs root (CI runs as root)");
        try (BusEnvironment env = new BusEnvironment(List.of(SOURCE), null);
             BusUsers users = usersIfTheServerChecksPasswords(env);
             MemberProcesses members = new MemberProcesses(env.configFile, 1)) {
            // the embedded server of a bare machine checks no passwords: the secret is then just a long random string
            String password = users != null ? users.password() : UUID.randomUUID().toString();
            env.sourceUserWithSecret(users != null ? users.sourceUser() : env.user(), "shop_db");
            String lib = readableCopyOfTheMemberJars(env.dir);
            Path secrets = env.dir.resolve("secrets");
            Files.writeString(secrets, "# the source's password\nshop_db=" + password + "\n");
            Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rw-------"));

            // a secrets file the member's user could read is refused before anything starts
            Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rw-r--r--"));
            Map<String, String> classpath = Map.of("BAMBUS_MEMBER_CLASSPATH", lib);
            MemberProcesses refused = new MemberProcesses(env.configFile, 1)
                    .startingWith(classpath, "--secrets", secrets.toString(), "--user", USER);
            try (refused) {
                IllegalStateException error = assertThrows(IllegalStateException.class, () -> refused.start(0));
                assertTrue(error.getMessage().contains("'" + USER + "' can read " + secrets), error.getMessage());
            }
            // the same file given as standard input (--secrets -) is checked the same way
            ProcessBuilder script = new ProcessBuilder(Path.of("..", "scripts", "start-member.sh").toAbsolutePath().normalize()
                    .toString(), "--name", "refused", "--config", env.configFile.toString(), "--secrets", "-", "--user", USER)
                    .redirectInput(secrets.toFile()).redirectErrorStream(true);
            script.environment().putAll(classpath);
            script.environment().put("BAMBUS_RUN_DIR", env.dir.resolve("run").toString());
            Process piped = script.start();
            String output = new String(piped.getInputStream().readAllBytes());
            assertTrue(piped.waitFor() == 1 && output.contains("'" + USER + "' can read " + secrets), output);
            Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rw-------"));

            members.startingWith(classpath, "--secrets", secrets.toString(), "--user", USER).start(0);
            assertTrue(Files.readString(members.log(0)).contains("1 secrets read from standard input"));
            Producer producer = Producer.inSteps(SOURCE, env.sources.get(SOURCE), 5, 3);
            try (producer) {
                Await.until("the producer to write 2,000 events", Duration.ofSeconds(60), () -> producer.eventsWritten() >= 2_000);
                producer.stop();
                assertTrue(ChaosCheck.awaitCaughtUp(env, producer, Duration.ofSeconds(60)), "the session caught up");
                ChaosCheck.Result result = ChaosCheck.check(env, producer);
                System.out.println("SECRETS " + result);
                assertTrue(result.clean() && result.lost() == 0 && result.appliedTwice() == 0 && producer.eventsWritten() > 0,
                        "every event moved once with the handed-over password: " + result);
            }

            HazelcastInstance attacker = HazelcastClient.newHazelcastClient(plainClient(members));
            try {
                String bus = String.join("\n", readWithJet(attacker, env.dir, "bus.yaml"));
                assertTrue(bus.contains("passwordSecret: shop_db"), "the job read the bus file");
                assertFalse(bus.contains(password), "the bus file holds no password");
                for (String file : List.of("environ", "cmdline")) {
                    String text = String.join("\n", readWithJet(attacker, Path.of("/proc/self"), file));
                    assertTrue(file.equals("cmdline") ? text.contains("bambus.secrets=stdin") : !text.isEmpty(),
                            "the job read the member's /proc/self/" + file);
                    assertFalse(text.contains(password), "/proc/self/" + file + " holds no password");
                }
                List<String> stdin = readWithJetOrNothing(attacker, Path.of("/proc/self/fd"), "0");
                assertFalse(String.join("\n", stdin).contains(password), "the drained standard input holds nothing");
                assertThrows(Exception.class, () -> readWithJet(attacker, env.dir, "secrets"),
                        "the member's user cannot read the secrets file");
            } finally {
                attacker.shutdown();
            }
        }
    }

    private static BusUsers usersIfTheServerChecksPasswords(BusEnvironment env) throws Exception {
        try {
            return BusUsers.create(TestDatabase.get(), env.destinationDb, env.sourceDbs.get(SOURCE));
        } catch (java.sql.SQLException e) {
            if (String.valueOf(e.getMessage()).contains("skip-grant-tables")) {
                return null;
            }
            throw e;
        }
    }

    /** The member's jars where {@code nobody} can read them (the build's list points into root's ~/.m2). */
    private static String readableCopyOfTheMemberJars(Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path lib = Files.createDirectory(dir.resolve("lib"));
        List<String> copies = new ArrayList<>();
        String list = Files.readString(Path.of("target", "member.classpath")).strip();
        for (String jar : list.split(File.pathSeparator)) {
            Path copy = lib.resolve(Path.of(jar).getFileName());
            Files.copy(Path.of(jar), copy);
            copies.add(copy.toString());
        }
        return String.join(File.pathSeparator, copies);
    }

    private static ClientConfig plainClient(MemberProcesses members) {
        ClientConfig config = new ClientConfig();
        config.setClusterName(members.cluster());
        config.setProperty("hazelcast.logging.type", "log4j2");
        config.getNetworkConfig().addAddress(members.clientAddress(0));
        return config;
    }

    /** What the attacker did: a job of Hazelcast's own connectors, its lines into a list. */
    private static List<String> readWithJet(HazelcastInstance client, Path dir, String glob) {
        String list = "leak-" + UUID.randomUUID();
        Pipeline pipeline = Pipeline.create();
        pipeline.readFrom(Sources.filesBuilder(dir.toString()).glob(glob).build()).writeTo(Sinks.list(list));
        client.getJet().newJob(pipeline).join();
        return new ArrayList<>(client.<String>getList(list));
    }

    private static List<String> readWithJetOrNothing(HazelcastInstance client, Path dir, String glob) {
        try {
            return readWithJet(client, dir, glob);
        } catch (RuntimeException e) {
            return List.of();
        }
    }
}
