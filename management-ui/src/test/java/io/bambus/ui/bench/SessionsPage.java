package io.bambus.ui.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.testing.TestDatabase;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.ClusterFixture;
import io.bambus.grid.testing.ManySources;
import io.bambus.ui.ManagementUi;
import io.bambus.ui.testing.Browser;
import io.bambus.ui.testing.UiConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
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
            Path config = ManySources.configure(server, source, sourceDb, destinationDb, dir, sessions,
                    "pollIntervalMillis: 500\n", (connection, table, i) -> { });
            try (ClusterFixture cluster = new ClusterFixture(config)) {
                var first = cluster.start(0);
                var second = cluster.start(1);
                Await.until("all " + sessions + " sessions to run", Duration.ofMinutes(5),
                        () -> ClusterFixture.running(first).size() + ClusterFixture.running(second).size() == sessions);
                try (ManagementUi ui = new ManagementUi(UiConfigs.of(cluster, server.jdbcUrl(destinationDb),
                        server.user(), server.password(), Map.of("olga", "operator:operator-pass"))).start();
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
