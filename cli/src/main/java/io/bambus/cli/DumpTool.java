package io.bambus.cli;

import io.bambus.core.config.DatabaseConfig;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MariaDB's own client tools for backup and restore: {@code mariadb-dump} (or {@code mysqldump})
 * and {@code mariadb} (or {@code mysql}), found in $BAMBUS_MARIADB_BIN, beside an embedded server, or on the PATH. The
 * password goes through the environment (MYSQL_PWD), never on a command line.
 */
final class DumpTool {

    private static final Pattern URL = Pattern.compile("jdbc:mysql://([^/:,?]+)(?::(\\d+))?(?:,[^/]*)?/([^?]*).*");

    private DumpTool() {
    }

    /** Where a JDBC URL points: its first host, port and database. */
    record Target(String host, int port, String database) {
        String where(String db) {
            return host + ":" + port + "/" + db;
        }
    }

    static Target target(String jdbcUrl) {
        Matcher m = URL.matcher(jdbcUrl);
        if (!m.matches() || m.group(3).isEmpty()) {
            throw new Bambus.CliException(Bambus.USAGE, "destination.jdbcUrl '" + jdbcUrl
                    + "' does not name host and database (jdbc:mysql://host:port/database); backup and restore need both");
        }
        return new Target(m.group(1), m.group(2) == null ? 3306 : Integer.parseInt(m.group(2)), m.group(3));
    }

    /** Dumps {@code database} consistently (one transaction, no table locks) into {@code output}. */
    static void dump(DatabaseConfig db, Path output, long timeoutSeconds) throws IOException, InterruptedException {
        Target target = target(db.jdbcUrl());
        List<String> command = new ArrayList<>(List.of(tool("mariadb-dump", "mysqldump").toString(),
                "--single-transaction", "--quick", "--hex-blob", "--skip-lock-tables", "--routines", "--protocol=TCP",
                "--host=" + target.host(), "--port=" + target.port(), "--user=" + db.username(), target.database()));
        run(command, db.password(), null, output, timeoutSeconds, "mariadb-dump", target.where(target.database()));
    }

    /**
     * Loads a dump into {@code database} (same server and user as {@code db}). Views and routines
     * are created with the loading user as their definer: the one in the dump may not exist here
     * (or be empty, on a server without grant tables, which no server accepts back).
     */
    static void load(DatabaseConfig db, String database, Path input, long timeoutSeconds) throws IOException, InterruptedException {
        Target target = target(db.jdbcUrl());
        List<String> command = new ArrayList<>(List.of(tool("mariadb", "mysql").toString(), "--protocol=TCP",
                "--host=" + target.host(), "--port=" + target.port(), "--user=" + db.username(), database));
        Path withoutDefiners = Files.createTempFile("bambus-restore", ".sql");
        try {
            try (var lines = Files.lines(input, StandardCharsets.UTF_8);
                 var out = Files.newBufferedWriter(withoutDefiners, StandardCharsets.UTF_8)) {
                for (var it = lines.iterator(); it.hasNext(); ) {
                    String line = it.next();
                    out.write(line.startsWith("/*!50") ? DEFINER.matcher(line).replaceAll("") : line);
                    out.write('\n');
                }
            }
            run(command, db.password(), withoutDefiners, null, timeoutSeconds, "mariadb", target.where(database));
        } finally {
            Files.deleteIfExists(withoutDefiners);
        }
    }

    private static final Pattern DEFINER = Pattern.compile("DEFINER=`[^`]*`(@`[^`]*`)?\\s*");

    private static void run(List<String> command, String password, Path input, Path output, long timeoutSeconds, String what,
                            String where) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("MYSQL_PWD", password == null ? "" : password);
        Path errors = Files.createTempFile("bambus-" + what, ".err");
        builder.redirectError(errors.toFile());
        if (input != null) {
            builder.redirectInput(input.toFile());
        }
        builder.redirectOutput(output != null ? ProcessBuilder.Redirect.to(output.toFile()) : ProcessBuilder.Redirect.DISCARD);
        Process process = builder.start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new Bambus.CliException(Bambus.UNREACHABLE, what + " on " + where + " did not finish within "
                        + timeoutSeconds + " s; raise --timeout for a large destination");
            }
            if (process.exitValue() != 0) {
                String message = Files.readString(errors, StandardCharsets.UTF_8).strip();
                throw new Bambus.CliException(Bambus.UNREACHABLE, what + " on " + where + " failed (exit " + process.exitValue()
                        + "): " + message + "; check destination in the bus configuration and that its server runs");
            }
        } finally {
            Files.deleteIfExists(errors);
        }
    }

    private static Path tool(String... names) {
        List<String> dirs = new ArrayList<>();
        String bin = System.getenv("BAMBUS_MARIADB_BIN");
        if (bin != null && !bin.isBlank()) {
            dirs.add(bin);
        }
        String embedded = System.getProperty("bambus.mariadb.bin");
        if (embedded != null) {
            dirs.add(embedded);  // the embedded server's own tools (tests on a machine without a server)
        }
        dirs.addAll(List.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)));
        for (String name : names) {
            for (String dir : dirs) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new Bambus.CliException(Bambus.USAGE, "none of " + List.of(names) + " found on the PATH or in $BAMBUS_MARIADB_BIN;"
                + " install the MariaDB client (apt-get install mariadb-client) or point BAMBUS_MARIADB_BIN at its bin directory");
    }
}
