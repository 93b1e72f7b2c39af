package io.bambus.core.config;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Secrets handed to this process once, at start, and kept in memory only: a configuration names
 * one with {@code passwordSecret: NAME}. A member reads them from its standard input, a pipe that
 * {@code start-member.sh --secrets FILE} fills from a file the member's own user cannot read; so a
 * Jet job submitted through the client port, which can read any file the member can (its bus file,
 * a {@code passwordFile}, {@code /proc/self/environ} with every {@code passwordEnv}), finds none of
 * them. The CLI reads the same file with {@code --secrets FILE}.
 *
 * <p>The input is lines {@code NAME=value} (blank lines and {@code #} comments skipped); the value is
 * everything after the first {@code =}, as written.
 */
public final class Secrets {

    /** System property: {@code stdin} makes a member read its secrets from standard input at start. */
    public static final String PROPERTY = "bambus.secrets";

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,63}");
    // lookups go through the configuration's map of names (environment variables beside these):
    // a key with this prefix is no variable a shell can set, so neither can stand in for the other
    private static final String KEY_PREFIX = "bambus.secret:";
    private static final int MAX_BYTES = 1 << 20;
    private static final String HEADER = "#bambus-secrets ";

    private static volatile Map<String, String> handedOver = Map.of();
    private static volatile boolean given;

    private Secrets() {
    }

    /** The names a configuration may refer to: the environment, plus the secrets handed over. */
    public static Map<String, String> names() {
        Map<String, String> names = new HashMap<>(System.getenv());
        handedOver.forEach((name, value) -> names.put(KEY_PREFIX + name, value));
        return names;
    }

    /** The key under which secret {@code name} is found in a map of {@link #names()}. */
    public static String key(String name) {
        return KEY_PREFIX + name;
    }

    /** Whether this process was given secrets at all (to name the fix when one is missing). */
    public static boolean given() {
        return given;
    }

    /** Whether {@code value} is one of the secrets handed over (a password that came from one). */
    public static boolean handedOverValue(String value) {
        return handedOver.containsValue(value);
    }

    /** Keeps {@code secrets} for the life of this process (the member's start, the CLI's --secrets). */
    public static void handOver(Map<String, String> secrets) {
        handedOver = Map.copyOf(secrets);
        given = true;
    }

    /** Whether {@code name} can name a secret. */
    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * Parses {@code NAME=value} lines; the problems name the line, never its value. A first line
     * {@code #bambus-secrets N} (start-member.sh writes it) must be followed by exactly N secrets.
     */
    public static Map<String, String> parse(String origin, String text) {
        Map<String, String> secrets = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        String[] lines = (text.startsWith("\uFEFF") ? text.substring(1) : text).split("\r?\n", -1);
        Integer announced = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (i == 0 && line.startsWith(HEADER)) {
                try {
                    announced = Integer.parseInt(line.substring(HEADER.length()).strip());
                } catch (NumberFormatException e) {
                    problems.add("line 1: '" + HEADER + "' must be followed by the number of secrets");
                }
                continue;
            }
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            int equals = line.indexOf('=');
            String name = equals < 0 ? line.strip() : line.substring(0, equals).strip();
            String value = equals < 0 ? "" : line.substring(equals + 1);
            if (equals < 0 || !NAME.matcher(name).matches()) {
                problems.add("line " + (i + 1) + ": not NAME=value (a name of letters, digits, '_', '.' and '-',"
                        + " starting with a letter or '_', then '=', then the secret)");
            } else if (!value.equals(value.strip())) {
                problems.add("line " + (i + 1) + ": the value of secret '" + name + "' starts or ends with white space;"
                        + " write NAME=value with nothing around the value");
            } else if (secrets.put(name, value) != null) {
                problems.add("line " + (i + 1) + ": secret '" + name + "' is given twice; keep one");
            }
        }
        if (announced != null && problems.isEmpty() && announced != secrets.size()) {
            problems.add(announced + " secrets were announced and " + secrets.size() + " arrived: the input is incomplete"
                    + " (did another process read from this member's standard input?); start the member again");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(origin, problems);
        }
        return secrets;
    }

    /**
     * Reads {@code input} to its end within {@code deadline} and closes it: the pipe a starter
     * filled and closed. A starter that never closes it stops the member's start with the reason.
     */
    public static Map<String, String> read(InputStream input, Duration deadline) {
        ExecutorService reader = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "bambus-secrets-reader");
            thread.setDaemon(true);
            return thread;
        });
        try {
            Future<byte[]> bytes = reader.submit(() -> readAll(input));
            return parse("secrets on standard input", new String(bytes.get(deadline.toMillis(), TimeUnit.MILLISECONDS),
                    StandardCharsets.UTF_8));
        } catch (TimeoutException e) {
            throw new ConfigException("secrets on standard input", List.of(PROPERTY + "=stdin, but standard input did not"
                    + " end within " + deadline.toSeconds() + " s; pipe the NAME=value lines in and close it (start-member.sh"
                    + " --secrets FILE does), or drop -D" + PROPERTY));
        } catch (ExecutionException e) {
            throw new ConfigException("secrets on standard input", List.of(String.valueOf(e.getCause().getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("secrets on standard input", List.of("interrupted while reading"));
        } finally {
            reader.shutdownNow();
            try {
                input.close(); // nothing else reads it, and a drained, closed pipe gives a Jet job nothing
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    private static byte[] readAll(InputStream input) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = input.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            if (out.size() > MAX_BYTES) {
                throw new IOException("more than 1 MiB of secrets; give NAME=value lines only");
            }
        }
        return out.toByteArray();
    }
}
