package io.bambus.ui.testing;

import io.bambus.grid.testing.ClusterFixture;
import io.bambus.ui.UiConfig;
import io.bambus.ui.auth.Users;
import java.nio.file.Path;
import java.util.Map;

/** UI configurations for tests: any free port, the fixture's two members, users given as name → role:password. */
public final class UiConfigs {

    private UiConfigs() {
    }

    public static UiConfig of(ClusterFixture cluster, String jdbcUrl, String dbUser, String dbPassword,
                              Map<String, String> users) {
        StringBuilder yaml = new StringBuilder("""
                http: { host: 127.0.0.1, port: 0 }
                cluster: { name: %s, addresses: ["%s", "%s"] }
                destination: { jdbcUrl: "%s", username: %s, password: "%s", poolSize: 2 }
                users:
                """.formatted(cluster.clusterName(), cluster.clientAddress(0), cluster.clientAddress(1), jdbcUrl, dbUser, dbPassword));
        users.forEach((name, roleAndPassword) -> {
            String[] parts = roleAndPassword.split(":", 2);
            yaml.append("  - { name: ").append(name).append(", role: ").append(parts[0]).append(", passwordHash: \"")
                    .append(Users.hash(parts[1].toCharArray())).append("\" }\n");
        });
        return UiConfig.parse("test-ui.yaml", yaml.toString(), Path.of("."), Map.of());
    }
}
