package io.bambus.bench.peer;

import io.bambus.core.sql.Identifiers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting of the peer, from its command line, validated before any engine starts. Each
 * refusal names the argument and what it accepts.
 */
record PeerConfig(String host, int port, String user, String password, List<Source> sources, String destination,
                  int batch, int pollMillis, int flushMillis, Path stateDir) {

    static final String USAGE = "usage: DebeziumPeer --host HOST --port PORT --user USER --password PASSWORD"
            + " --source ID=DATABASE [--source ID=DATABASE ...] --destination DATABASE --state DIR"
            + " [--batch N (500)] [--poll-ms N (5)] [--flush-ms N (1000)]";

    /** One captured outbox: {@code database}.bam_outbox, reported as {@code id}. */
    record Source(String id, String database) {
    }

    /** An argument that is missing, repeated or out of range; the message names it. */
    static final class BadArgumentException extends Exception {
        BadArgumentException(String message) {
            super(message);
        }
    }

    static PeerConfig parse(String[] args) throws BadArgumentException {
        Map<String, String> single = new LinkedHashMap<>();
        List<String> sourceArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!List.of("--host", "--port", "--user", "--password", "--source", "--destination", "--batch", "--poll-ms",
                    "--flush-ms", "--state").contains(name)) {
                throw new BadArgumentException("unknown argument '" + Identifiers.printable(name) + "'");
            }
            if (i + 1 >= args.length) {
                throw new BadArgumentException(name + " needs a value");
            }
            String value = args[++i];
            if (name.equals("--source")) {
                sourceArgs.add(value);
            } else if (single.put(name, value) != null) {
                throw new BadArgumentException(name + " is given twice");
            }
        }
        String host = required(single, "--host");
        int port = number(single, "--port", null, 1, 65_535);
        String user = required(single, "--user");
        String password = single.get("--password");
        if (password == null) {
            // an empty one is allowed: the embedded server's root has none
            throw new BadArgumentException("--password is required (\"\" for none)");
        }
        String destination = database("--destination", required(single, "--destination"));
        if (sourceArgs.isEmpty()) {
            throw new BadArgumentException("--source ID=DATABASE is required (once per source)");
        }
        List<Source> sources = new ArrayList<>();
        for (String value : sourceArgs) {
            int equals = value.indexOf('=');
            if (equals < 0) {
                throw new BadArgumentException("--source '" + Identifiers.printable(value) + "' must be ID=DATABASE");
            }
            String id = value.substring(0, equals);
            // the id names files in --state and Debezium's topic prefix: an identifier, nothing else
            String problem = Identifiers.problem(id, 32);
            if (problem != null) {
                throw new BadArgumentException("--source id '" + Identifiers.printable(id) + "' " + problem);
            }
            String database = database("--source " + id, value.substring(equals + 1));
            if (database.equalsIgnoreCase(destination)) {
                throw new BadArgumentException("--source " + id + " names the destination database " + destination);
            }
            for (Source other : sources) {
                if (other.id().equalsIgnoreCase(id) || other.database().equalsIgnoreCase(database)) {
                    throw new BadArgumentException("--source " + id + "=" + database + " repeats the id or database of --source "
                            + other.id() + "=" + other.database());
                }
            }
            sources.add(new Source(id, database));
        }
        int batch = number(single, "--batch", 500, 1, 100_000);
        int pollMillis = number(single, "--poll-ms", 5, 1, 60_000);
        int flushMillis = number(single, "--flush-ms", 1_000, 0, 3_600_000);
        Path stateDir = Path.of(required(single, "--state"));
        if (Files.exists(stateDir) && !Files.isDirectory(stateDir)) {
            throw new BadArgumentException("--state " + stateDir + " exists and is not a directory");
        }
        return new PeerConfig(host, port, user, password, List.copyOf(sources), destination, batch, pollMillis, flushMillis,
                stateDir);
    }

    private static String required(Map<String, String> args, String name) throws BadArgumentException {
        String value = args.get(name);
        if (value == null || value.isEmpty()) {
            throw new BadArgumentException(name + " is required");
        }
        return value;
    }

    private static String database(String argument, String name) throws BadArgumentException {
        String problem = Identifiers.problem(name, 64);
        if (problem != null) {
            throw new BadArgumentException(argument + " database '" + Identifiers.printable(name) + "' " + problem);
        }
        return name;
    }

    private static int number(Map<String, String> args, String name, Integer fallback, int min, int max)
            throws BadArgumentException {
        String value = args.get(name);
        if (value == null && fallback != null) {
            return fallback;
        }
        if (value == null) {
            throw new BadArgumentException(name + " is required");
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException notANumber) {
            // refused below
        }
        throw new BadArgumentException(name + " '" + Identifiers.printable(value) + "' must be a whole number from " + min
                + " to " + max);
    }

    String jdbcUrl(String database) {
        return "jdbc:mysql://" + host + ":" + port + "/" + database;
    }
}
