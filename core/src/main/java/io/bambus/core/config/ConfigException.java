package io.bambus.core.config;

import java.util.List;

/** An invalid configuration file; the message lists each problem with its key and the fix. */
public class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(String origin, List<String> problems) {
        this("bus configuration", origin, problems);
    }

    /** {@code what} names the kind of file, e.g. "management UI configuration". */
    public ConfigException(String what, String origin, List<String> problems) {
        super("invalid " + what + " " + origin + ":\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
