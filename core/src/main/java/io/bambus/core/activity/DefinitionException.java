package io.bambus.core.activity;

import java.util.List;

/** A definition file that cannot be deployed; the message lists every problem found, one a line. */
public class DefinitionException extends RuntimeException {

    private final List<String> problems;

    public DefinitionException(List<String> problems) {
        super(problems.size() == 1 ? problems.get(0) : "invalid activity definitions:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
