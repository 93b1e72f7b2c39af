package io.bambus.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourcesFileTest {

    private static final String FILE = """
            # the bus of the shop (operator's comment, must survive)
            destination:
              jdbcUrl: jdbc:mysql://db:3306/bam   # the BAM database
              username: bam
            sources:
              - id: shop                          # the web shop
                jdbcUrl: jdbc:mysql://shop:3306/shop
                username: app
              - { id: crm, jdbcUrl: "jdbc:mysql://crm/crm", username: app }

              # a comment before the next key
            definitions: definitions.yaml
            retention: 7d
            """;

    @TempDir
    Path dir;
    Path file;

    @BeforeEach
    void files() throws Exception {
        Files.writeString(dir.resolve("definitions.yaml"), "activities: []");
        file = dir.resolve("bus.yaml");
    }

    private SourcesFile.Edit add(String yaml, String id) throws Exception {
        Files.writeString(file, yaml);
        Files.writeString(dir.resolve("billing.pw"), "s3cret\n");
        return SourcesFile.add(file, SourcesFile.fields(id, "jdbc:mysql://billing:3306/billing?useSSL=false", "o'brien \"x\"",
                "passwordFile", dir.resolve("billing.pw").toString(), null, false), Map.of());
    }

    @Test
    void addAppendsABlockItemAndKeepsEveryOtherLineAsWritten() throws Exception {
        SourcesFile.Edit edit = add(FILE, "billing");
        assertEquals(FILE.replace("username: app }\n", """
                username: app }
                  - id: "billing"
                    jdbcUrl: "jdbc:mysql://billing:3306/billing?useSSL=false"
                    username: "o'brien \\"x\\""
                    passwordFile: "%s"
                    enabled: false
                """.formatted(dir.resolve("billing.pw"))), edit.after());
        SourceConfig added = edit.config().source("billing");
        assertEquals("s3cret", added.database().password());
        assertEquals("o'brien \"x\"", added.database().username());
        assertEquals(false, added.enabled());
        assertEquals(List.of("shop", "crm", "billing"), edit.config().sources().stream().map(SourceConfig::id).toList());
        assertEquals(FILE, Files.readString(file), "nothing is written before write()");
    }

    @Test
    void addHandlesAnEmptyListAListAtColumnZeroAndAMissingKey() throws Exception {
        String head = "destination: { jdbcUrl: \"jdbc:mysql://db/bam\", username: bam }\n";
        assertEquals(head + "sources:\n  - id: \"billing\"\n", firstLines(add(head + "sources: []  # none yet\ndefinitions: "
                + "definitions.yaml\n", "billing").after(), 3));
        assertEquals(head + "sources:\n  - id: \"billing\"\n", firstLines(add(head + "sources: ~\t# none\ndefinitions: "
                + "definitions.yaml\n", "billing").after(), 3));
        String compact = head + "sources:\n- id: shop\n  jdbcUrl: jdbc:mysql://shop/shop\n  username: app\ndefinitions: definitions.yaml\n";
        assertTrue(add(compact, "billing").after().contains("  username: app\n- id: \"billing\"\n  jdbcUrl: "),
                "items keep the list's own indentation");
        SourcesFile.Edit none = add(head + "definitions: definitions.yaml\n", "billing");
        assertEquals(List.of("billing"), none.config().sources().stream().map(SourceConfig::id).toList());
    }

    @Test
    void aByteOrderMarkAndWindowsLineEndsAreKept() throws Exception {
        String windows = "\uFEFF" + FILE.replace("\n", "\r\n");
        SourcesFile.Edit edit = add(windows, "billing");
        assertTrue(edit.after().startsWith(windows.substring(0, windows.indexOf("username: app }"))), edit.after());
        assertTrue(edit.after().endsWith(windows.substring(windows.indexOf("\r\n\r\n  # a comment"))), edit.after());
        assertTrue(edit.after().contains("username: app }\r\n  - id: \"billing\"\r\n"), edit.after());
        Files.writeString(file, edit.after());
        assertEquals(windows, SourcesFile.remove(file, "billing", Map.of()).after(), "removing it gives the file back");
    }

    @Test
    void removeTakesOutOnlyThatItemWhateverItsStyle() throws Exception {
        Files.writeString(file, FILE);
        SourcesFile.Edit block = SourcesFile.remove(file, "shop", Map.of());
        assertEquals(FILE.replace("""
                  - id: shop                          # the web shop
                    jdbcUrl: jdbc:mysql://shop:3306/shop
                    username: app
                """, ""), block.after());
        SourcesFile.Edit flow = SourcesFile.remove(file, "crm", Map.of());
        assertEquals(FILE.replace("  - { id: crm, jdbcUrl: \"jdbc:mysql://crm/crm\", username: app }\n", ""), flow.after());
        assertEquals(List.of("shop"), flow.config().sources().stream().map(SourceConfig::id).toList());
    }

    @Test
    void refusalsNameTheProblemAndTheFix() throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> add(FILE, "shop")).getMessage()
                .contains("source 'shop' is already in"));
        Files.writeString(file, FILE);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SourcesFile.remove(file, "nope", Map.of())).getMessage()
                .contains("no source 'nope' in " + file + "; its sources are [shop, crm]"));
        String flow = "destination: { jdbcUrl: \"jdbc:mysql://db/bam\", username: bam }\nsources: [ { id: shop, jdbcUrl: "
                + "\"jdbc:mysql://s/s\", username: a } ]\ndefinitions: definitions.yaml\n";
        assertTrue(assertThrows(IllegalArgumentException.class, () -> add(flow, "billing")).getMessage()
                .contains("edit the file by hand"));
        String quotedKey = "destination: { jdbcUrl: \"jdbc:mysql://db/bam\", username: bam }\n\"sources\": []\n"
                + "definitions: definitions.yaml\n";
        assertTrue(assertThrows(IllegalArgumentException.class, () -> add(quotedKey, "billing")).getMessage()
                .contains("edit the file by hand"), "a second sources key is never appended");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> add(FILE, "bad id!")).getMessage()
                .contains("source id 'bad id!' is not allowed"));
        ConfigException bad = assertThrows(ConfigException.class, () -> {
            Files.writeString(file, FILE);
            SourcesFile.add(file, SourcesFile.fields("billing", "jdbc:postgresql://x/y", "u", null, null, null, true), Map.of());
        });
        assertTrue(String.join("\n", bad.problems()).contains("sources[billing].jdbcUrl"), bad.getMessage());
    }

    @Test
    void writeKeepsPermissionsAndRefusesAFileChangedMeanwhile() throws Exception {
        SourcesFile.Edit edit = add(FILE, "billing");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        SourcesFile.write(edit);
        assertEquals(edit.after(), Files.readString(file));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var left = Files.list(dir)) {
            assertEquals(List.of("billing.pw", "bus.yaml", "definitions.yaml"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary file left behind");
        }

        SourcesFile.Edit stale = SourcesFile.remove(file, "billing", Map.of());
        Files.writeString(file, edit.after() + "batchSize: 100\n");
        assertTrue(assertThrows(IllegalStateException.class, () -> SourcesFile.write(stale)).getMessage()
                .contains("changed while it was being edited"));
        assertTrue(Files.readString(file).endsWith("batchSize: 100\n"), "the other edit is kept");
    }

    private static String firstLines(String text, int n) {
        return String.join("\n", text.lines().limit(n).toList()) + "\n";
    }
}
