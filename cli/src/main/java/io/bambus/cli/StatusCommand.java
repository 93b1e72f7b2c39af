package io.bambus.cli;

import io.bambus.grid.ops.BusOperations;
import io.bambus.grid.placement.PlacementPlan;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.status.MemberStatus;
import io.bambus.grid.duty.DefinitionsDeployer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** Members, who runs which session, and each session's lag. */
@Command(name = "status", description = "Members, who runs which session, events moved and lag.")
final class StatusCommand implements Callable<Integer> {

    @ParentCommand
    Bambus bambus;

    @Override
    public Integer call() {
        BusOperations ops = bambus.ops();
        List<BusOperations.MemberView> members = ops.members();
        List<SessionRecord> sessions = ops.sessions();
        List<Map<String, Object>> memberRows = new ArrayList<>();
        for (BusOperations.MemberView member : members) {
            MemberStatus s = member.status();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("address", member.address());
            row.put("uuid", member.uuid());
            row.put("oldest", member.oldest());
            row.put("sessionsRunning", s == null ? null : s.sessionsRunning());
            row.put("sessionsAssigned", s == null ? null : s.sessionsAssigned());
            row.put("eventsPerSecond", s == null ? null : Math.round(s.eventsPerSecond() * 10) / 10.0);
            row.put("lagEvents", s == null ? null : s.lagEvents());
            row.put("decidesPlacement", s != null && s.deciding());
            row.put("heapUsedBytes", s == null ? null : s.heapUsedBytes());
            row.put("startedMillis", s == null ? null : s.startedMillis());
            row.put("sources", s == null ? null : s.sources());
            row.put("configError", s == null ? null : s.configError());
            memberRows.add(row);
        }
        List<String> warnings = warnings(memberRows);
        PlacementPlan plan = ops.plan();
        Map<String, Object> placement = new LinkedHashMap<>();
        placement.put("automaticBalancing", plan.automatic());
        placement.put("pinned", plan.pins().keySet());
        placement.put("version", plan.version());
        Output.print(bambus, Map.of("members", memberRows, "sessions", SessionsCommand.rows(sessions), "warnings", warnings,
                "placement", placement), () -> {
            List<List<String>> rows = new ArrayList<>();
            for (Map<String, Object> row : memberRows) {
                rows.add(List.of(row.get("address") + (Boolean.TRUE.equals(row.get("decidesPlacement")) ? " *" : ""),
                        String.valueOf(row.get("sessionsAssigned")), String.valueOf(row.get("sessionsRunning")),
                        String.valueOf(row.get("eventsPerSecond")), String.valueOf(row.get("lagEvents")),
                        row.get("heapUsedBytes") == null ? "-" : ((Long) row.get("heapUsedBytes")) / 1_048_576 + " MB"));
            }
            return "members (* decides placement; automatic balancing " + (plan.automatic() ? "on" : "off")
                    + (plan.pins().isEmpty() ? "" : "; moved by hand: " + new TreeSet<>(plan.pins().keySet())) + "):\n"
                    + Output.table(List.of("address", "share", "running", "events/s", "waiting", "heap"), rows) + "\nsessions:\n"
                    + SessionsCommand.table(sessions) + warnings.stream().map(w -> "\nwarning: " + w).reduce("", String::concat)
                    + (warnings.isEmpty() ? "" : "\n");
        });
        return Bambus.OK;
    }

    /** Members that refused an edited configuration file, or run with different sources (different files). */
    static List<String> warnings(List<Map<String, Object>> members) {
        List<String> warnings = new ArrayList<>();
        Map<Object, List<Object>> bySources = new LinkedHashMap<>();
        for (Map<String, Object> member : members) {
            String error = (String) member.get("configError");
            if (error != null && error.startsWith(DefinitionsDeployer.DEPLOY_ERROR)) {
                warnings.add(member.get("address") + ": " + error);
            } else if (error != null) {
                warnings.add(member.get("address") + " refused its edited configuration file and runs with the one before: "
                        + SourcesCommand.firstProblem(error));
            }
            if (member.get("sources") != null) {
                bySources.computeIfAbsent(new TreeSet<>((List<?>) member.get("sources")).toString(),
                        k -> new ArrayList<>()).add(member.get("address"));
            }
        }
        if (bySources.size() > 1) {
            warnings.add("members run with different sources " + bySources + "; give every member the same configuration file");
        }
        return warnings;
    }
}
