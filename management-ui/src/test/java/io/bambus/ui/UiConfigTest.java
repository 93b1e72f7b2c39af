package io.bambus.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.config.ConfigException;
import io.bambus.ui.auth.LoginThrottle;
import io.bambus.ui.auth.Role;
import io.bambus.ui.auth.Users;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UiConfigTest {

    private static final String HASH = Users.hash("correct horse".toCharArray());

    @Test
    void aValidFileGivesUsersWithRolesAndSecretsFromEnvironmentOrFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("viewer.hash"), HASH + "\n");
        UiConfig config = UiConfig.parse("ui.yaml", """
                http: { port: 9090 }
                cluster: { name: prod, addresses: ["10.0.0.1:5701", "10.0.0.2"] }
                destination: { jdbcUrl: "jdbc:mysql://db/bam", username: bam_ro, passwordEnv: BAM_RO_PASSWORD }
                users:
                  - { name: olga, role: operator, passwordHashEnv: OLGA_HASH }
                  - { name: vic, role: VIEWER, passwordHashFile: viewer.hash }
                """, dir, Map.of("BAM_RO_PASSWORD", "s3cret", "OLGA_HASH", HASH));
        assertEquals(9090, config.port());
        assertEquals("127.0.0.1", config.host(), "binds to loopback unless told otherwise");
        assertEquals("s3cret", config.destination().password());
        assertFalse(config.toString().contains("s3cret"), "no secret in toString");
        assertFalse(config.toString().contains(HASH), "no hash in toString");
        Users users = new Users(config.users());
        assertEquals(Role.OPERATOR, users.check("olga", "correct horse").role());
        assertEquals(Role.VIEWER, users.check("VIC", "correct horse").role());
        assertNull(users.check("olga", "wrong"));
        assertNull(users.check("nobody", "correct horse"));
    }

    @Test
    void everyProblemIsReportedWithItsKeyAndTheFix() {
        ConfigException e = assertThrows(ConfigException.class, () -> UiConfig.parse("ui.yaml", """
                http: { port: 70000, colour: blue }
                cluster: { addresses: [] }
                destination: { jdbcUrl: "jdbc:postgresql://db/bam", username: u, passwordEnv: NOT_SET }
                users:
                  - { name: olga, role: admin, passwordHash: "plain-text" }
                  - { name: olga, role: viewer, passwordHash: "%s" }
                """.formatted(HASH), Path.of("."), Map.of()));
        String message = e.getMessage();
        assertTrue(message.contains("http.port: '70000' must be a whole number from 0 to 65535"), message);
        assertTrue(message.contains("http.colour: unknown key"), message);
        assertTrue(message.contains("cluster.addresses: missing"), message);
        assertTrue(message.contains("destination.jdbcUrl: 'jdbc:postgresql://db/bam' is not a MySQL Connector/J URL"), message);
        assertTrue(message.contains("destination.passwordEnv: environment variable 'NOT_SET' is not set"), message);
        assertTrue(message.contains("users[olga].role: 'admin' is not a role; use viewer or operator"), message);
        assertTrue(message.contains("users[olga].passwordHash: not a bcrypt hash; make one with scripts/ui-password-hash.sh"),
                message);
        assertTrue(message.contains("users[olga]: two users have this name"), message);
        assertEquals(8, e.problems().size(), message);
    }

    @Test
    void failuresOfANameFromAnAddressMakeThatPairWaitLongerButNotTheNameFromElsewhere() {
        LoginThrottle throttle = new LoginThrottle();
        long now = 1_000_000;
        for (int i = 0; i < 3; i++) {
            assertEquals(0, throttle.begin("olga", "10.0.0.9", now), "attempt " + (i + 1) + " is free");
        }
        assertEquals(1, throttle.begin("olga", "10.0.0.9", now), "counted before any check: the 4th waits");
        assertEquals(1, throttle.begin("OLGA", "10.0.0.9", now), "names are compared without case");
        assertEquals(0, throttle.begin("olga", "10.9.9.9", now), "the name from another address is not slowed");
        throttle.succeeded("olga", "10.9.9.9");
        assertEquals(1, throttle.begin("olga", "10.0.0.9", now), "a success elsewhere clears nothing here");
        assertEquals(0, throttle.begin("olga", "10.0.0.9", now + 1_000));
        assertEquals(2, throttle.begin("olga", "10.0.0.9", now + 1_000), "then 2 s");
        assertEquals(0, throttle.begin("vic", "10.0.0.8", now), "other users are not slowed");
        throttle.succeeded("olga", "10.0.0.9");
        assertEquals(0, throttle.begin("olga", "10.0.0.9", now + 1_000), "a success clears its own pair");
    }

    @Test
    void oneAddressTryingManyNamesIsSlowedAfterTwentyAndARefundDoesNotCount() {
        LoginThrottle throttle = new LoginThrottle();
        long now = 5_000_000;
        for (int i = 0; i < 20; i++) {
            assertEquals(0, throttle.begin("user" + i, "10.0.0.66", now));
        }
        throttle.refund("user19", "10.0.0.66");
        assertEquals(0, throttle.begin("user20", "10.0.0.66", now), "the refunded attempt did not count");
        assertEquals(1, throttle.begin("user21", "10.0.0.66", now), "the 21st name from one address waits");
        assertEquals(0, throttle.begin("user21", "10.0.0.67", now), "another address does not");
    }

    @Test
    void madeUpNamesCountLikeRealOnesAndIpv6CountsBySlash64() {
        LoginThrottle throttle = new LoginThrottle();
        long now = 9_000_000;
        for (int i = 0; i < 3; i++) {
            assertEquals(0, throttle.begin("made-up-" + i, "10.0.0.70", now));
        }
        // a shared key for unknown names made the 4th made-up name wait while a real one did not: names could be told apart
        assertEquals(0, throttle.begin("another-made-up-name", "10.0.0.70", now), "a name not tried before is not slowed");
        assertEquals(0, throttle.begin("olga", "10.0.0.70", now), "nor is a real one: both answer alike");
        for (int i = 0; i < 3; i++) {
            assertEquals(0, throttle.begin("olga", "2001:db8:1:2::" + (i + 1), now));
        }
        assertEquals(1, throttle.begin("olga", "2001:db8:1:2:ffff::9", now), "one /64 is one address");
        assertEquals(0, throttle.begin("olga", "2001:db8:1:3::1", now), "another /64 is not");
    }

    @Test
    void hostNamesAreListedWithoutPortsAndRefusedWithTheFix() {
        UiConfig config = UiConfig.parse("ui.yaml", """
                http: { host: 0.0.0.0, hostNames: ["BAM.example.com", "[2001:db8::1]"] }
                cluster: { addresses: ["10.0.0.1:5701"] }
                destination: { jdbcUrl: "jdbc:mysql://db/bam", username: u, password: p }
                users: [ { name: olga, role: operator, passwordHash: "%s" } ]
                """.formatted(HASH), Path.of("."), Map.of());
        assertEquals(List.of("bam.example.com", "[2001:db8::1]"), config.hostNames());
        ConfigException e = assertThrows(ConfigException.class, () -> UiConfig.parse("ui.yaml", """
                http: { hostNames: ["bam.example.com:8080", "evil/path"] }
                cluster: { addresses: ["10.0.0.1:5701"] }
                destination: { jdbcUrl: "jdbc:mysql://db/bam", username: u, password: p }
                users: [ { name: olga, role: operator, passwordHash: "%s" } ]
                """.formatted(HASH), Path.of("."), Map.of()));
        assertTrue(e.getMessage().contains("http.hostNames: 'bam.example.com:8080' is not a host name or IP address (no port"),
                e.getMessage());
        assertEquals(2, e.problems().size(), e.getMessage());
    }
}
