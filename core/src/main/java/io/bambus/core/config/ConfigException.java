package io.bambus.core.config;

import java.util.List;

/** Invalid bus configuration; the message lists each problem with its key and the fix. */
public class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(String origin, List<String> problems) {
        super("invalid bus configuration " + origin + ":\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
