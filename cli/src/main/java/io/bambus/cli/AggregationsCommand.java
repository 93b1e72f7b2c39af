package io.bambus.cli;

import io.bambus.core.aggregate.AggregationRebuild;
import io.bambus.core.aggregate.Aggregations;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The real-time aggregations: list them, show one's rows, rebuild one from the activity's rows. */
@Command(name = "aggregations", description = "Real-time aggregations: list, show NAME, rebuild NAME.",
        subcommands = {AggregationsCommand.List.class, AggregationsCommand.Show.class, AggregationsCommand.Rebuild.class})
final class AggregationsCommand {

    @ParentCommand
    Bambus bambus;

    @Command(name = "list", description = "The deployed aggregations.")
    static final class List implements Callable<Integer> {
        @ParentCommand
        AggregationsCommand parent;

        @Override
        public Integer call() throws Exception {
            Bambus bambus = parent.bambus;
            java.util.List<Aggregations.Deployed> all = new Aggregations(bambus.destination()).deployed();
            java.util.List<Map<String, Object>> result = new ArrayList<>();
            java.util.List<java.util.List<String>> cells = new ArrayList<>();
            for (Aggregations.Deployed d : all) {
                result.add(Map.of("name", d.view() + "." + d.name(), "activity", d.activity().name(), "queryView", d.queryView(),
                        "levels", d.levels(), "measures", d.measures()));
                cells.add(java.util.List.of(d.view() + "." + d.name(), d.activity().name(), d.queryView(),
                        String.join(", ", d.levels()), String.join(", ", d.measures())));
            }
            Output.print(bambus, result, () -> Output.table(java.util.List.of("aggregation", "activity", "query view", "levels",
                    "measures"), cells));
            return Bambus.OK;
        }
    }

    @Command(name = "show", description = "One aggregation's rows in its window, as a table (or --json).")
    static final class Show implements Callable<Integer> {
        @ParentCommand
        AggregationsCommand parent;

        @Parameters(paramLabel = "NAME", description = "the aggregation (Name or View.Name)")
        String name;

        @Option(names = "--limit", defaultValue = "200", description = "at most this many rows, largest first [200]")
        int limit;

        @Override
        public Integer call() throws Exception {
            Bambus bambus = parent.bambus;
            if (limit < 1 || limit > 100_000) {
                throw new Bambus.CliException(Bambus.USAGE, "--limit must be from 1 to 100000");
            }
            Aggregations aggregations = new Aggregations(bambus.destination());
            Aggregations.Rows rows = aggregations.rows(found(aggregations, name), limit);
            Output.print(bambus, rows, () -> {
                java.util.List<String> header = rows.rows().isEmpty() ? java.util.List.of() : new ArrayList<>(rows.rows().get(0).keySet());
                java.util.List<java.util.List<String>> cells = new ArrayList<>();
                for (Map<String, Object> row : rows.rows()) {
                    java.util.List<String> line = new ArrayList<>();
                    row.values().forEach(v -> line.add(v == null ? null : String.valueOf(v)));
                    cells.add(line);
                }
                return (header.isEmpty() ? "" : Output.table(header, cells)) + rows.rows().size() + " row(s) in "
                        + rows.queryView() + "\n";
            });
            return Bambus.OK;
        }
    }

    @Command(name = "rebuild", description = "Recompute an aggregation from the activity's rows while events keep flowing"
            + " (writers wait while it runs); after a restore, or to check it.")
    static final class Rebuild implements Callable<Integer> {
        @ParentCommand
        AggregationsCommand parent;

        @Parameters(paramLabel = "NAME", description = "the aggregation (Name or View.Name)")
        String name;

        @Override
        public Integer call() throws Exception {
            Bambus bambus = parent.bambus;
            Aggregations aggregations = new Aggregations(bambus.destination());
            Aggregations.Deployed found = found(aggregations, name);
            long started = System.nanoTime();
            long instances = AggregationRebuild.rebuild(bambus.destination(), found.table(), found.activity());
            long millis = (System.nanoTime() - started) / 1_000_000;
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("aggregation", found.view() + "." + found.name());
            result.put("instances", instances);
            result.put("millis", millis);
            Output.print(bambus, result, () -> "rebuilt " + found.view() + "." + found.name() + " from " + instances
                    + " instance(s) in " + millis + " ms\n");
            return Bambus.OK;
        }
    }

    private static Aggregations.Deployed found(Aggregations aggregations, String name) throws Exception {
        try {
            return aggregations.find(name);
        } catch (IllegalArgumentException e) {
            throw new Bambus.CliException(Bambus.REFUSED, e.getMessage());
        }
    }
}
