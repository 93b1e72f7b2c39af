package io.bambus.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** A consistent backup of the destination while the bus runs (mariadb-dump --single-transaction). */
@Command(name = "backup", description = "Back up the destination database, consistently, while the bus runs.")
final class BackupCommand implements Callable<Integer> {

    @ParentCommand
    Bambus bambus;

    @Option(names = "--output", required = true, description = "the SQL file to write (refused when it exists)")
    Path output;

    @Option(names = "--timeout", defaultValue = "3600", description = "seconds the dump may take [3600]")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(output)) {
            throw new Bambus.CliException(Bambus.USAGE, output + " exists; give a new file name (a backup never overwrites)");
        }
        var destination = bambus.busConfig().destination();
        long start = System.nanoTime();
        Path partial = output.resolveSibling(output.getFileName() + ".partial");
        try {
            DumpTool.dump(destination, partial, timeoutSeconds);
            Files.move(partial, output);
        } finally {
            Files.deleteIfExists(partial); // a failed dump leaves no half file behind
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        long bytes = Files.size(output);
        Output.print(bambus, Map.of("file", output.toString(), "bytes", bytes, "millis", millis),
                () -> "backup of " + DumpTool.target(destination.jdbcUrl()).database() + " written to " + output + " (" + bytes
                        + " bytes, " + millis + " ms)\n");
        return Bambus.OK;
    }
}
