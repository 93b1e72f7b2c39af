package io.bambus.grid.demo;

import io.bambus.core.db.EmbeddedMySql;
import io.bambus.core.schema.OutboxSchema;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;

/**
 * The demo's databases: starts the embedded MariaDB (or uses the server named by
 * BAMBUS_DEMO_JDBC_URL), creates a destination and two sources with their outbox tables, and writes
 * the bus configuration and activity definitions into the demo directory. Runs until stopped.
 *
 * <p>Arguments: demo directory, port for the embedded server.
 */
public final class DemoDatabase {

    static final String[] SOURCES = {"shop", "crm"};

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        Files.createDirectories(dir);
        String server = System.getenv("BAMBUS_DEMO_JDBC_URL");
        EmbeddedMySql embedded = null;
        if (server == null || server.isBlank()) {
            embedded = EmbeddedMySql.start(port, new File(dir.toFile(), "mariadb-data"));
            server = "jdbc:mysql://127.0.0.1:" + embedded.port() + "/";
        } else if (!server.endsWith("/")) {
            server += "/";
        }
        try (Connection admin = DriverManager.getConnection(server, "root", "");
             Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE IF NOT EXISTS demo_destination");
            for (String source : SOURCES) {
                statement.execute("CREATE DATABASE IF NOT EXISTS demo_" + source);
                statement.execute(OutboxSchema.ddl("bam_outbox").replace("CREATE TABLE IF NOT EXISTS `",
                        "CREATE TABLE IF NOT EXISTS `demo_" + source + "`.`"));
            }
        }
        Files.writeString(dir.resolve("definitions.yaml"), """
                activities:
                  - name: Order
                    items:
                      - { name: Customer, type: text, length: 60 }
                      - { name: Amount, type: decimal, precision: 12, scale: 2 }
                      - { name: Placed, type: milestone }
                      - { name: Shipped, type: milestone }
                """);
        StringBuilder config = new StringBuilder();
        config.append("destination: { jdbcUrl: \"").append(server).append("demo_destination\", username: root, password: \"\" }\n");
        config.append("sources:\n");
        for (String source : SOURCES) {
            config.append("  - { id: ").append(source).append(", jdbcUrl: \"").append(server).append("demo_").append(source)
                    .append("\", username: root, password: \"\" }\n");
        }
        config.append("definitions: definitions.yaml\nbatchSize: 200\npollIntervalMillis: 50\n");
        Files.writeString(dir.resolve("bus.yaml"), config);
        System.out.println("READY " + server);
        System.out.flush();

        CountDownLatch stopped = new CountDownLatch(1);
        EmbeddedMySql toStop = embedded;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (toStop != null) {
                toStop.close();
            }
            stopped.countDown();
        }, "demo-database-stop"));
        stopped.await();
    }
}
