package io.bambus.cli;

import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.activity.Naming;
import io.bambus.core.biztalk.BamImport;
import io.bambus.core.biztalk.BamImportException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Converts a BizTalk BAM definition (the BAMDefinition XML of bm.exe get-defxml or the BAM Excel
 * add-in) into a definitions file; what has no equivalent is reported, above the definitions as
 * comments and on the terminal. Needs neither the cluster nor the destination.
 */
@Command(name = "import-bam", description = "Convert a BizTalk BAM definition (XML) into a definitions file; report what has no equivalent.")
final class ImportBamCommand implements Callable<Integer> {

    @ParentCommand
    Bambus bambus;

    @Parameters(paramLabel = "FILE.xml", description = "the BAM definition: bm.exe get-defxml output or the BAM Excel add-in's Export XML")
    Path file;

    @Option(names = "--out", paramLabel = "FILE", description = "write the definitions here (the report as a comment block on top) [standard output]")
    Path out;

    @Option(names = "--naming", paramLabel = "biztalk|bambus", defaultValue = "biztalk",
            description = "table names in the destination: biztalk (BAM's bam_X_Active, …) or bambus (bam_X_active, …) [biztalk]")
    String naming;

    @Option(names = "--rename", paramLabel = "BAMNAME=IDENTIFIER",
            description = "use IDENTIFIER for every activity, checkpoint or index named BAMNAME, instead of the naming rule (repeatable)")
    List<String> renames = List.of();

    @Option(names = "--force", description = "overwrite --out if it exists")
    boolean force;

    @Override
    public Integer call() throws IOException {
        Naming chosen = Naming.fromFileName(naming.toLowerCase(Locale.ROOT));
        if (chosen == null) {
            throw new Bambus.CliException(Bambus.USAGE, "--naming must be biztalk or bambus, not '" + naming + "'");
        }
        Map<String, String> renameMap = new LinkedHashMap<>();
        for (String rename : renames) {
            int eq = rename.lastIndexOf('=');
            if (eq <= 0 || eq == rename.length() - 1) {
                throw new Bambus.CliException(Bambus.USAGE, "--rename takes BAMNAME=IDENTIFIER, e.g. --rename 'Order Date=OrderDate';"
                        + " found '" + rename + "'");
            }
            renameMap.put(rename.substring(0, eq), rename.substring(eq + 1));
        }
        if (!Files.isReadable(file)) {
            throw new Bambus.CliException(Bambus.USAGE, file + " cannot be read; give the BAM definition XML"
                    + " (bm.exe get-defxml -Output:FILE.xml exports it)");
        }
        if (out != null && Files.exists(out) && !force) {
            throw new Bambus.CliException(Bambus.USAGE, out + " exists; pass --force to overwrite it, or choose another --out");
        }
        BamImport.Result result;
        try {
            result = BamImport.read(file, chosen, renameMap);
        } catch (BamImportException e) {
            throw new Bambus.CliException(Bambus.USAGE, e.getMessage());
        }
        List<String> report = result.report(file.getFileName().toString());
        String yaml = DefinitionFile.toYaml(result.activities(), report);
        if (out == null && !bambus.json) {
            bambus.out.print(yaml);
            bambus.out.flush();
            return Bambus.OK;
        }
        if (out != null) {
            Files.writeString(out, yaml, StandardCharsets.UTF_8);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("activities", result.activities().stream().map(ActivityDefinition::name).toList());
        json.put("renamed", result.renamed());
        json.put("notImported", result.notImported());
        json.put("out", out == null ? null : out.toString());
        if (out == null) {
            json.put("definitions", yaml);
        }
        Output.print(bambus, json, () -> String.join("\n", report) + "\n\nwrote " + out
                + "; review it, then deploy it with: bambus deploy --definitions " + out + "\n");
        return Bambus.OK;
    }
}
