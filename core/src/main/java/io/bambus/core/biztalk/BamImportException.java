package io.bambus.core.biztalk;

import java.util.List;

/** A BAM definition file that cannot be imported; the message lists every problem, each naming the element, its line and the fix. */
public class BamImportException extends RuntimeException {

    private final List<String> problems;

    public BamImportException(List<String> problems) {
        super(problems.size() == 1 ? problems.get(0) : "cannot import the BAM definition:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
