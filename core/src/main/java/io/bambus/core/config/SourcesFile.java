package io.bambus.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Adds a source to the bus configuration file or removes one, as text: every other line, comment
 * and blank stays as the operator wrote it. The result is parsed with {@link BusConfig#parse} and
 * must hold exactly the old sources plus (or minus) the one, or nothing is written; a sources
 * list in a form this class does not edit (flow style, anchors) is refused with the advice to edit
 * it by hand.
 */
public final class SourcesFile {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SOURCES_KEY = Pattern.compile("^sources[ \\t]*:[ \\t]*(.*)$");
    private static final Pattern COMMENT = Pattern.compile("[ \\t]#");
    private static final Pattern ITEM = Pattern.compile("^([ \\t]*)-(?:[ \\t]|$)");

    /** A checked edit: the text read, the text to write, and the configuration it gives. */
    public record Edit(Path file, String before, String after, BusConfig config) {
    }

    private SourcesFile() {
    }

    /**
     * The edit that appends a source with {@code fields} (id first; values are strings or
     * booleans) to the end of {@code file}'s sources list.
     */
    public static Edit add(Path file, Map<String, Object> fields, Map<String, String> env) {
        String id = String.valueOf(fields.get("id"));
        String idProblem = BusConfig.idProblem(id);
        if (idProblem != null) {
            throw new IllegalArgumentException("source id " + idProblem);
        }
        Text text = Text.read(file);
        BusConfig old = BusConfig.parse(file.toString(), text.before, base(file), env);
        if (old.source(id) != null) {
            throw new IllegalArgumentException("source '" + id + "' is already in " + file);
        }
        List<String> lines = text.lines();
        Block block = block(file, lines);
        List<String> item = new ArrayList<>();
        String indent = " ".repeat(block.itemIndent);
        boolean first = true;
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            item.add(indent + (first ? "- " : "  ") + field.getKey() + ": " + scalar(field.getValue()));
            first = false;
        }
        if (block.emptyValue) {
            lines.set(block.start, "sources:");
        }
        lines.addAll(block.insertAt, item);
        return checked(file, text, text.join(lines), env, old, id, null);
    }

    /** The edit that removes source {@code id} from {@code file}'s sources list. */
    public static Edit remove(Path file, String id, Map<String, String> env) {
        Text text = Text.read(file);
        BusConfig old = BusConfig.parse(file.toString(), text.before, base(file), env);
        if (old.source(id) == null) {
            throw new IllegalArgumentException("no source '" + id + "' in " + file + "; its sources are "
                    + old.sources().stream().map(SourceConfig::id).toList());
        }
        List<String> lines = text.lines();
        Block block = block(file, lines);
        List<Integer> starts = new ArrayList<>();
        for (int i = block.start + 1; i < block.end; i++) {
            Matcher item = ITEM.matcher(lines.get(i));
            if (item.find() && item.group(1).length() == block.itemIndent) {
                starts.add(i);
            }
        }
        for (int k = 0; k < starts.size(); k++) {
            int from = starts.get(k);
            int to = lastContent(lines, from, k + 1 < starts.size() ? starts.get(k + 1) : block.end) + 1;
            if (id.equals(itemId(lines.subList(from, to), block.itemIndent))) {
                lines.subList(from, to).clear();
                return checked(file, text, text.join(lines), env, old, null, id);
            }
        }
        throw cannotEdit(file);
    }

    /**
     * Writes the edit: refused when the file changed since it was read; written to a temporary
     * file beside it (same owner, group and permissions) and moved over it atomically, so a member reloading the
     * file reads either the old or the new one whole.
     */
    public static void write(Edit edit) throws IOException {
        Path file = edit.file().toRealPath();
        if (!Files.readString(file).equals(edit.before())) {
            throw new IllegalStateException(edit.file() + " changed while it was being edited; run the command again");
        }
        Path temp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(temp, edit.after());
            PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
            if (view != null) {
                PosixFileAttributes original = view.readAttributes();
                PosixFileAttributeView copy = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
                try {
                    if (!copy.readAttributes().owner().equals(original.owner())) {
                        copy.setOwner(original.owner());
                    }
                    if (!copy.readAttributes().group().equals(original.group())) {
                        copy.setGroup(original.group());
                    }
                } catch (IOException e) {
                    throw new IllegalStateException("cannot keep its owner " + original.owner().getName() + ":"
                            + original.group().getName() + " (" + e.getMessage() + "); run the command as that user or as root");
                }
                copy.setPermissions(original.permissions());
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The file's text, its byte order mark and line separator (kept in the edit). */
    private record Text(String before, String bom, String newline) {
        static Text read(Path file) {
            String text = SourcesFile.read(file);
            return new Text(text, text.startsWith("\uFEFF") ? "\uFEFF" : "", text.contains("\r\n") ? "\r\n" : "\n");
        }

        List<String> lines() {
            List<String> lines = new ArrayList<>(List.of(before.substring(bom.length()).split("\r?\n", -1)));
            if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
                lines.remove(lines.size() - 1);
            }
            return lines;
        }

        String join(List<String> lines) {
            return bom + String.join(newline, lines) + newline;
        }
    }

    /** The lines of the top-level sources list: its key line, its end, where items go and their indent. */
    private record Block(int start, int end, int insertAt, int itemIndent, boolean emptyValue) {
    }

    private static Block block(Path file, List<String> lines) {
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (SOURCES_KEY.matcher(lines.get(i)).matches()) {
                start = i;
                break;
            }
        }
        if (start < 0) {
            lines.add("sources:");
            return new Block(lines.size() - 1, lines.size(), lines.size(), 2, false);
        }
        Matcher key = SOURCES_KEY.matcher(lines.get(start));
        key.matches();
        String rest = withoutComment(key.group(1)).strip();
        boolean emptyValue = rest.equals("[]") || rest.equals("~") || rest.equals("null");
        if (!rest.isEmpty() && !emptyValue) {
            throw cannotEdit(file);
        }
        int end = start + 1;
        while (end < lines.size() && !endsBlock(lines.get(end))) {
            end++;
        }
        int indent = -1;
        for (int i = start + 1; i < end && indent < 0; i++) {
            Matcher item = ITEM.matcher(lines.get(i));
            if (item.find()) {
                indent = item.group(1).length();
                if (item.group(1).contains("\t")) {
                    throw cannotEdit(file);
                }
            }
        }
        int insertAt = lastContent(lines, start + 1, end) + 1;
        return new Block(start, end, Math.max(insertAt, start + 1), indent < 0 ? 2 : indent, emptyValue);
    }

    /** A line at column 0 that is not a list item, comment or blank: the next top-level key (or document). */
    private static boolean endsBlock(String line) {
        return !line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && line.charAt(0) != '#'
                && !ITEM.matcher(line).find();
    }

    /** The last line in [from, to) that is neither blank nor only a comment; from - 1 if none. */
    private static int lastContent(List<String> lines, int from, int to) {
        int last = from - 1;
        for (int i = from; i < to; i++) {
            String text = lines.get(i).strip();
            if (!text.isEmpty() && !text.startsWith("#")) {
                last = i;
            }
        }
        return last;
    }

    private static String itemId(List<String> item, int indent) {
        StringBuilder text = new StringBuilder();
        for (String line : item) {
            text.append(line.length() >= indent && line.substring(0, indent).isBlank() ? line.substring(indent) : line.strip())
                    .append('\n');
        }
        try {
            JsonNode node = YAML.readTree(text.toString());
            JsonNode id = node != null && node.isArray() && node.size() == 1 ? node.get(0).get("id") : null;
            return id == null ? null : id.asText();
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /**
     * Parses the edited text as the members will and accepts it only when it is the old
     * configuration with source {@code added} appended or {@code removed} taken out, nothing else.
     * A problem with the added source is the operator's to fix (its key names it); any other
     * problem means the edit broke the file: refused.
     */
    private static Edit checked(Path file, Text text, String after, Map<String, String> env, BusConfig old, String added,
                                String removed) {
        BusConfig edited;
        try {
            edited = BusConfig.parse(file.toString(), after, base(file), env);
        } catch (ConfigException e) {
            String mine = "sources[" + added + "]";
            if (added != null && e.problems().stream().allMatch(problem -> problem.startsWith(mine))) {
                throw e;
            }
            throw cannotEdit(file);
        }
        List<SourceConfig> expected = new ArrayList<>(old.sources());
        if (removed != null) {
            expected.remove(old.source(removed));
        }
        if (added != null) {
            expected.add(edited.source(added));
        }
        if (!edited.equals(old.withSources(expected))) {
            throw cannotEdit(file);
        }
        return new Edit(file, text.before(), after, edited);
    }


    private static String scalar(Object value) {
        if (value instanceof Boolean) {
            return value.toString();
        }
        try {
            return JSON.writeValueAsString(String.valueOf(value)); // a JSON string is a YAML double-quoted scalar
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String withoutComment(String text) {
        Matcher comment = COMMENT.matcher(text);
        return text.startsWith("#") ? "" : comment.find() ? text.substring(0, comment.start()) : text;
    }

    private static IllegalArgumentException cannotEdit(Path file) {
        return new IllegalArgumentException("cannot edit the sources list of " + file + " safely (it is not a block list of"
                + " sources under a top-level 'sources:' key); edit the file by hand, the members pick it up within 2 s");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("the file cannot be read (" + e.getMessage()
                    + "); check --config"));
        }
    }

    private static Path base(Path file) {
        return file.toAbsolutePath().getParent();
    }

    /** Fields for {@link #add}, in the order they are written. */
    public static Map<String, Object> fields(String id, String jdbcUrl, String username, String passwordKey,
                                             String passwordValue, String outboxTable, boolean enabled) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("id", id);
        fields.put("jdbcUrl", jdbcUrl);
        fields.put("username", username);
        if (passwordKey != null) {
            fields.put(passwordKey, passwordValue);
        }
        if (outboxTable != null) {
            fields.put("outboxTable", outboxTable);
        }
        if (!enabled) {
            fields.put("enabled", false);
        }
        return fields;
    }
}
