package io.bambus.cli;

import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.activity.DefinitionChangeRefusedException;
import io.bambus.core.activity.DefinitionException;
import io.bambus.core.activity.DefinitionFile;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** Deploys the activity definitions named by the bus configuration (or --definitions) to the destination. */
@Command(name = "deploy", description = "Deploy activity definitions to the destination (--dry-run prints the DDL only).")
final class DeployCommand implements Callable<Integer> {

    @ParentCommand
    Bambus bambus;

    @Option(names = "--dry-run", description = "print the statements a deployment would run; change nothing")
    boolean dryRun;

    @Option(names = "--definitions", description = "definitions file [the one the bus configuration names]")
    Path definitions;

    @Override
    public Integer call() throws SQLException {
        List<ActivityDefinition> activities;
        try {
            activities = DefinitionFile.read(definitions != null ? definitions : bambus.busConfig().definitions());
        } catch (DefinitionException e) {
            throw new Bambus.CliException(Bambus.USAGE, e.getMessage());
        }
        ActivityDeployer deployer = new ActivityDeployer(bambus.destination());
        List<String> statements;
        try {
            statements = dryRun ? deployer.plan(activities) : deployer.deploy(activities);
        } catch (DefinitionChangeRefusedException e) {
            throw new Bambus.CliException(Bambus.REFUSED, e.getMessage());
        }
        List<String> names = activities.stream().map(ActivityDefinition::name).toList();
        Output.print(bambus, Map.of("dryRun", dryRun, "activities", names, "statements", statements), () -> {
            StringBuilder text = new StringBuilder();
            statements.forEach(s -> text.append(s).append(";\n"));
            text.append(dryRun ? "-- dry run: " + statements.size() + " statement(s) not run for " + names + "\n"
                    : "deployed " + names + " (" + statements.size() + " statement(s))\n");
            return text.toString();
        });
        return Bambus.OK;
    }
}
