package io.bambus.cli;

import io.bambus.core.archive.Archiver;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.ConfigSections;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** Runs the archiver once (the members run it on the schedule the bus configuration gives). */
@Command(name = "archive", description = "Move completed instances older than the online window to the archive tables, once.")
final class ArchiveCommand implements Callable<Integer> {

    @ParentCommand
    Bambus bambus;

    @Option(names = "--after", description = "the online window, written as in the configuration, e.g. 30d"
            + " [archive.after of the bus configuration]")
    String after;

    @Option(names = "--batch-size", description = "rows per transaction [archive.batchSize, 1000]")
    Integer batchSize;

    @Override
    public Integer call() throws Exception {
        BusConfig.Archive archive = bambus.busConfig().archive();
        Duration window = after == null ? archive.after() : ConfigSections.parseDuration(after);
        if (window == null) {
            throw new Bambus.CliException(Bambus.USAGE, "--after '" + after + "' is not a duration; write e.g. 90m, 12h or 30d");
        }
        if (window.isZero()) {
            throw new Bambus.CliException(Bambus.USAGE, "no online window: give --after (e.g. 30d) or set archive.after in "
                    + bambus.config);
        }
        int size = batchSize == null ? archive.batchSize() : batchSize;
        if (size < 1) {
            throw new Bambus.CliException(Bambus.USAGE, "--batch-size must be 1 or more");
        }
        Map<String, Long> moved = new Archiver(bambus.destination()).archive(window, size, () -> true);
        Output.print(bambus, Map.of("window", window.toString(), "archived", moved), () -> {
            StringBuilder text = new StringBuilder();
            moved.forEach((activity, rows) -> text.append(activity).append(": ").append(rows).append(" archived\n"));
            return text.toString();
        });
        return Bambus.OK;
    }

}
