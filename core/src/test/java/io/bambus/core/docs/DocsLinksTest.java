package io.bambus.core.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every link of the README, BENCHMARKS.md and the docs pages leads somewhere: a relative file that
 * exists, and a heading of it (or of the page itself) that the anchor names, as GitHub makes
 * anchors from headings.
 */
class DocsLinksTest {

    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6} (.+)$", Pattern.MULTILINE);

    @Test
    void everyLinkOfTheDocumentationLeadsToAFileAndAHeadingThatExist() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("BENCHMARKS.md")));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path page : pages) {
            String text = Files.readString(page);
            Matcher link = LINK.matcher(text);
            while (link.find()) {
                String target = link.group(1);
                if (target.matches("[a-z]+:.*")) {
                    continue; // http(s), mailto: not ours to check here
                }
                links++;
                String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                Path linked = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                if (!Files.exists(linked)) {
                    broken.add(root.relativize(page) + ": " + target + " (no such file)");
                } else if (anchor != null && !anchors(linked).contains(anchor)) {
                    broken.add(root.relativize(page) + ": " + target + " (no such heading in " + root.relativize(linked) + ")");
                }
            }
        }
        assertTrue(links > 20, "the pages have their links: " + links);
        assertEquals(List.of(), broken, "broken links");
    }

    @Test
    void theReadmeFitsOnAPage() throws IOException {
        long lines = Files.readAllLines(Path.of("..", "README.md")).size();
        assertTrue(lines <= 300, "README.md has " + lines + " lines; the rest belongs in docs/");
    }

    /** GitHub's anchors: headings lower-cased, punctuation dropped, spaces to hyphens, repeats numbered. */
    private static Set<String> anchors(Path page) throws IOException {
        Set<String> anchors = new HashSet<>();
        if (!page.toString().endsWith(".md")) {
            return anchors;
        }
        Matcher heading = HEADING.matcher(Files.readString(page));
        while (heading.find()) {
            String slug = heading.group(1).trim().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
            String unique = slug;
            for (int n = 1; anchors.contains(unique); n++) {
                unique = slug + "-" + n;
            }
            anchors.add(unique);
        }
        return anchors;
    }
}
