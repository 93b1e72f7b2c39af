package io.bambus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.activity.Naming;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bambus import-bam: needs no cluster and no database. */
class ImportBamCommandTest {

    @TempDir
    Path dir;

    /** A test definition from core's test resources, as a file. */
    private Path bam(String name) throws Exception {
        Path file = dir.resolve(name);
        try (InputStream in = ImportBamCommandTest.class.getResourceAsStream("/bam/" + name)) {
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void writesTheDefinitionsWithTheReportOnTopAndPrintsTheReport() throws Exception {
        Path out = dir.resolve("definitions.yaml");
        CliRun run = CliRun.of(List.of(), "import-bam", bam("purchase-order.xml").toString(), "--out", out.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("Not imported (no equivalent in bambus):\n  Cube 'POCube' (line 45)"), run.out());
        assertTrue(run.out().contains("Cube 'POCube' (line 45)") && run.out().contains("Alerts (line 67)"), run.out());
        assertTrue(run.out().endsWith("deploy it with: bambus deploy --definitions " + out + "\n"), run.out());
        String yaml = Files.readString(out);
        assertTrue(yaml.startsWith("# Imported from the BizTalk BAM definition purchase-order.xml by bambus import-bam.\n"), yaml);
        assertTrue(yaml.contains("\n#   Cube 'POCube' (line 45)"), yaml);
        List<ActivityDefinition> definitions = DefinitionFile.parse(out.toString(), yaml);
        assertEquals(Naming.BIZTALK, definitions.get(0).naming());
        assertEquals(2, definitions.get(0).indexes().size());
        assertEquals("SalesManagerView", definitions.get(0).views().get(0).name(), "the view comes across");

        CliRun again = CliRun.of(List.of(), "import-bam", bam("logistics.xml").toString(), "--out", out.toString());
        assertEquals(Bambus.USAGE, again.exit());
        assertEquals("error: " + out + " exists; pass --force to overwrite it, or choose another --out\n", again.err());
        assertEquals(0, CliRun.of(List.of(), "import-bam", dir.resolve("logistics.xml").toString(), "--out", out.toString(),
                "--force", "--naming", "bambus").exit());
        assertEquals("Shipment_Tracking", DefinitionFile.read(out).get(0).name());
        assertEquals(Naming.BAMBUS, DefinitionFile.read(out).get(0).naming());
    }

    @Test
    void withoutOutTheDefinitionsGoToStandardOutput() throws Exception {
        CliRun run = CliRun.of(List.of(), "import-bam", bam("unicode-names.xml").toString(), "--rename", "Номер=Nomer");
        assertEquals(0, run.exit(), run.err());
        List<ActivityDefinition> definitions = DefinitionFile.parse("stdout", run.out());
        assertEquals("Номер", definitions.get(0).itemBamName("Nomer"));
        assertTrue(run.out().contains("#   checkpoint 'Kunde Straße' of activity 'Bestellübersicht Europa mit Lieferstatus' -> Kunde_Strasse"),
                run.out());
    }

    @Test
    void badInputIsOneErrorNamingLineAndFix() throws Exception {
        CliRun run = CliRun.of(List.of(), "import-bam", bam("external-entity.xml").toString());
        assertEquals(Bambus.USAGE, run.exit());
        assertTrue(run.err().startsWith("error: " + dir.resolve("external-entity.xml") + " line 2: a DOCTYPE declaration is not allowed"),
                run.err());
        assertEquals("", run.out());
        run = CliRun.of(List.of(), "import-bam", bam("collision.xml").toString(), "--rename", "nonsense");
        assertEquals(Bambus.USAGE, run.exit());
        assertTrue(run.err().startsWith("error: --rename takes BAMNAME=IDENTIFIER"), run.err());
    }
}
