package io.bambus.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** One run of the command line in the test JVM: its exit code, standard output and standard error. */
record CliRun(int exit, String out, String err) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static CliRun of(List<String> common, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(args));
        int exit = Bambus.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(exit, out.toString(), err.toString());
    }

    JsonNode json() throws Exception {
        return JSON.readTree(out);
    }
}
