package io.bambus.ui.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.outbox.OutboxSchema;
import io.bambus.core.testing.TestDatabase;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.ui.ManagementUi;
import io.bambus.ui.UiConfig;
import io.bambus.ui.auth.Users;
import io.bambus.ui.testing.Browser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.openqa.selenium.By;

/**
 * How long the Sessions page takes to load, in headless Chromium, from navigation to every
 * session's row drawn: with N sessions (default 100) on two in-process members, against the same
 * page with 2 sessions (the baseline) in the same run.
 *
 *   bench/run.sh SessionsPage [SESSIONS] [ROUNDS]
 */
public final class SessionsPage {

    public static void main(String[] args) throws Exception {
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        long[] baseline = measure(2, rounds);
        long[] many = measure(sessions, rounds);
        System.out.printf("sessions page load (navigation -> all rows drawn), %d rounds:%n", rounds);
        System.out.printf("  %4d sessions: median %d ms, max %d ms%n", sessions, median(many), max(many));
        System.out.printf("     2 sessions: median %d ms, max %d ms (baseline)%n", median(baseline), max(baseline));
        System.out.printf("  ratio %d/2 sessions: %.2f%n", sessions, (double) median(many) / Math.max(1, median(baseline)));
        System.exit(0);
    }

    private static long[] measure(int sessions, int rounds) throws Exception {
        TestDatabase server = TestDatabase.get();
        String sourceDb = server.create("page_src");
        String destinationDb = server.create("page_dst");
        Path dir = Files.createTempDirectory("bambus-page");
        try (HikariDataSource source = server.pool(sourceDb, 2)) {
            try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("SET GLOBAL max_connections = 5000");
            } catch (java.sql.SQLException e) {
                System.out.println("(could not raise max_connections: " + e.getMessage() + ")");
            }
            // the sources share one database, each with its own outbox table (as the Scale benchmark does)
            StringBuilder yaml = new StringBuilder("destination: { jdbcUrl: \"" + server.jdbcUrl(destinationDb) + "\", username: "
                    + server.user() + ", password: \"" + server.password() + "\" }\nsources:\n");
            try (Connection connection = source.getConnection()) {
                for (int i = 0; i < sessions; i++) {
                    OutboxSchema.create(connection, "ob_" + i);
                    yaml.append("  - { id: s").append(i).append(", jdbcUrl: \"").append(server.jdbcUrl(sourceDb))
                            .append("\", username: ").append(server.user()).append(", password: \"").append(server.password())
                            .append("\", outboxTable: ob_").append(i).append(", poolSize: 1 }\n");
                }
            }
            yaml.append("definitions: definitions.yaml\npollIntervalMillis: 500\n");
            Files.writeString(dir.resolve("definitions.yaml"), BusEnvironment.DEFINITIONS);
            Path config = dir.resolve("bus.yaml");
            Files.writeString(config, yaml);
            try (ClusterFixture cluster = new ClusterFixture(config)) {
                var first = cluster.start(0);
                var second = cluster.start(1);
                Await.until("all " + sessions + " sessions to run", Duration.ofMinutes(5),
                        () -> ClusterFixture.running(first).size() + ClusterFixture.running(second).size() == sessions);
                String uiYaml = """
                        http: { host: 127.0.0.1, port: 0 }
                        cluster: { name: %s, addresses: ["%s", "%s"] }
                        destination: { jdbcUrl: "%s", username: %s, password: "%s", poolSize: 2 }
                        users:
                          - { name: olga, role: operator, passwordHash: "%s" }
                        """.formatted(cluster.clusterName(), cluster.address(0), cluster.address(1),
                        server.jdbcUrl(destinationDb), server.user(), server.password(),
                        Users.hash("operator-pass".toCharArray()));
                try (ManagementUi ui = new ManagementUi(UiConfig.parse("bench-ui.yaml", uiYaml, dir, Map.of())).start();
                     Browser browser = new Browser("http://127.0.0.1:" + ui.port())) {
                    browser.logIn("olga", "operator-pass");
                    long[] millis = new long[rounds];
                    for (int round = -1; round < rounds; round++) {   // round -1 warms up
                        browser.open("/login");
                        long start = System.nanoTime();
                        browser.open("/#sessions");
                        browser.until("all session rows", d -> d.findElements(By.cssSelector("#sessions-table tr[data-session]"))
                                .size() == sessions);
                        if (round >= 0) {
                            millis[round] = (System.nanoTime() - start) / 1_000_000;
                        }
                    }
                    return millis;
                }
            }
        } finally {
            server.drop(sourceDb);
            server.drop(destinationDb);
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static long max(long[] values) {
        return Arrays.stream(values).max().orElse(0);
    }
}
