package io.bambus.cli;

import io.bambus.core.apply.FailedEvents;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Quarantined events: list and show them (from the destination), retry or discard them (on a member). */
@Command(name = "failed", description = "List, show, retry or discard failed events.",
        subcommands = {FailedCommand.ListFailed.class, FailedCommand.Show.class, FailedCommand.Retry.class,
                FailedCommand.Discard.class})
final class FailedCommand {

    @ParentCommand
    Bambus bambus;

    /** Which failed events: ids, or a filter. */
    static class Selection {
        @Option(names = "--session", description = "only this session's events")
        String session;

        @Option(names = "--activity", description = "only events of this activity")
        String activity;

        @Option(names = "--reason", description = "only events whose reason contains this text")
        String reason;

        FailedEvents.Filter filter(List<Long> ids) {
            return new FailedEvents.Filter(session, activity, reason, ids == null ? List.of() : ids);
        }
    }

    static Map<String, Object> row(FailedEvents.Row r, boolean payload) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", r.id());
        row.put("session", r.sessionId());
        row.put("sourceSeq", r.sourceSeq());
        row.put("kind", r.kind());
        row.put("activity", r.activity());
        row.put("instanceId", r.instanceId());
        row.put("reason", r.reason());
        row.put("failedAt", String.valueOf(r.failedAt()));
        if (payload) {
            row.put("payload", r.payloadText());
        }
        return row;
    }

    @Command(name = "list", description = "Failed events, oldest first.")
    static final class ListFailed implements Callable<Integer> {
        @ParentCommand
        FailedCommand parent;

        @picocli.CommandLine.Mixin
        Selection selection = new Selection();

        @Option(names = "--limit", defaultValue = "50", description = "at most this many [50]")
        int limit;

        @Option(names = "--offset", defaultValue = "0", description = "skip this many")
        long offset;

        @Override
        public Integer call() throws SQLException {
            FailedEvents failed = new FailedEvents(parent.bambus.destination());
            FailedEvents.Filter filter = selection.filter(List.of());
            List<FailedEvents.Row> rows = failed.list(filter, offset, limit);
            long total = failed.count(filter);
            List<Map<String, Object>> json = rows.stream().map(r -> row(r, false)).toList();
            Output.print(parent.bambus, Map.of("total", total, "rows", json), () -> {
                List<List<String>> cells = new ArrayList<>();
                for (FailedEvents.Row r : rows) {
                    cells.add(List.of(String.valueOf(r.id()), r.sessionId(), String.valueOf(r.sourceSeq()),
                            r.kind() + " " + r.activity(), r.instanceId(), r.reason()));
                }
                return Output.table(List.of("id", "session", "seq", "event", "instance", "reason"), cells) + total
                        + " failed event(s)\n";
            });
            return Bambus.OK;
        }
    }

    @Command(name = "show", description = "One failed event with its payload.")
    static final class Show implements Callable<Integer> {
        @ParentCommand
        FailedCommand parent;

        @Parameters(index = "0", paramLabel = "ID")
        long id;

        @Override
        public Integer call() throws SQLException {
            FailedEvents.Row row = new FailedEvents(parent.bambus.destination()).get(id);
            if (row == null) {
                throw new Bambus.CliException(Bambus.REFUSED, "no failed event " + id + " (already retried or discarded)");
            }
            Map<String, Object> json = row(row, true);
            Output.print(parent.bambus, json, () -> {
                StringBuilder text = new StringBuilder();
                json.forEach((k, v) -> text.append(k).append(": ").append(v).append('\n'));
                return text.toString();
            });
            return Bambus.OK;
        }
    }

    abstract static class Act implements Callable<Integer> {
        @ParentCommand
        FailedCommand parent;

        @Parameters(paramLabel = "ID", arity = "0..*", description = "failed event ids (or give a filter)")
        List<Long> ids;

        @picocli.CommandLine.Mixin
        Selection selection = new Selection();
    }

    @Command(name = "retry", description = "Apply failed events again (on a member); those that still fail stay.")
    static final class Retry extends Act {
        @Override
        public Integer call() {
            List<FailedEvents.Retry> results = parent.bambus.ops().retryFailed(selection.filter(ids), Bambus.actor());
            long applied = results.stream().filter(FailedEvents.Retry::applied).count();
            Output.print(parent.bambus, Map.of("applied", applied, "results", results), () -> {
                StringBuilder text = new StringBuilder(applied + " applied, " + (results.size() - applied) + " still failing\n");
                results.stream().filter(r -> !r.applied()).forEach(r -> text.append("  ").append(r.id()).append(": ")
                        .append(r.reason()).append('\n'));
                return text.toString();
            });
            return applied == results.size() && !results.isEmpty() ? Bambus.OK : Bambus.REFUSED;
        }
    }

    @Command(name = "discard", description = "Delete failed events for good.")
    static final class Discard extends Act {
        @Override
        public Integer call() {
            List<FailedEvents.Row> rows = parent.bambus.ops().discardFailed(selection.filter(ids), Bambus.actor());
            List<Long> discarded = rows.stream().map(FailedEvents.Row::id).toList();
            Output.print(parent.bambus, Map.of("discarded", discarded), () -> discarded.size() + " discarded " + discarded + "\n");
            return discarded.isEmpty() ? Bambus.REFUSED : Bambus.OK;
        }
    }
}
