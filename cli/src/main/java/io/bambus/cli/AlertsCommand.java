package io.bambus.cli;

import io.bambus.core.alert.OpenAlerts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** Open stalled-activity alerts, from the destination's bam_alerts (the members raise and resolve them). */
@Command(name = "alerts", description = "Open stalled-activity alerts, newest first, with each rule's count.")
final class AlertsCommand implements Callable<Integer> {

    @ParentCommand
    Bambus bambus;

    @Option(names = "--rule", description = "only this rule's alerts")
    String rule;

    @Option(names = "--limit", defaultValue = "50", description = "at most this many [50]")
    int limit;

    @Option(names = "--offset", defaultValue = "0", description = "skip this many")
    long offset;

    @Override
    public Integer call() throws Exception {
        OpenAlerts.AlertPage page = new OpenAlerts(bambus.destination()).open(rule, offset, limit);
        Output.print(bambus, page, () -> {
            List<List<String>> counts = new ArrayList<>();
            for (OpenAlerts.OpenCount count : page.rules()) {
                counts.add(List.of(count.rule(), count.activity(), String.valueOf(count.open())));
            }
            List<List<String>> cells = new ArrayList<>();
            for (OpenAlerts.Alert alert : page.rows()) {
                cells.add(List.of(time(alert.detectedMillis()), alert.rule(), alert.activity(), alert.instanceId(),
                        time(alert.dueMillis()), alert.delivery() + (alert.lastError() == null ? "" : ": " + alert.lastError())));
            }
            return Output.table(List.of("rule", "activity", "open"), counts) + "\n"
                    + Output.table(List.of("detected", "rule", "activity", "instance", "due", "webhook"), cells)
                    + page.total() + " open alert(s)" + (rule == null ? "" : " of rule " + rule) + "\n";
        });
        return Bambus.OK;
    }

    private static String time(Long millis) {
        return millis == null ? "" : Instant.ofEpochMilli(millis).toString();
    }
}
