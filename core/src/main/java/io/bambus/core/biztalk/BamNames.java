package io.bambus.core.biztalk;

import io.bambus.core.sql.Identifiers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one rule that turns a BizTalk BAM name into one of our identifiers ({@link Identifiers#NAME}):
 * <ol>
 *   <li>Latin letters lose their accents (é → e, ü → u); ß → ss, æ → ae, œ → oe, ø → o, ł → l, đ → d,
 *       þ → th, ı → i (capitals alike);</li>
 *   <li>every other character that is not A–Z, a–z, 0–9 or _ (the spaces BAM allows, and letters of
 *       other scripts) becomes _;</li>
 *   <li>a name that does not start with a letter gets the prefix {@code N} (BAM names may start with _);</li>
 *   <li>a name longer than the limit keeps its first limit − 9 characters, then _ and the first 8 hex
 *       digits of the SHA-256 of the BAM name (UTF-8).</li>
 * </ol>
 * A name left with no Latin letter or digit is refused: give it one with a rename.
 */
final class BamNames {

    /** BAM's own name rule (BAMToken in the BAM definition schema): letters, digits, _, single spaces inside. */
    static final Pattern BAM_NAME = Pattern.compile("(\\p{Ll}|\\p{Lu}|\\p{Lo}|\\p{Lt}|\\p{Nl}|_)([ ]?(_|\\p{L}|\\p{Nl}|\\p{Nd})+)*");

    private static final Map<Character, String> SPELLED = Map.ofEntries(
            Map.entry('ß', "ss"), Map.entry('ẞ', "SS"), Map.entry('æ', "ae"), Map.entry('Æ', "AE"), Map.entry('œ', "oe"),
            Map.entry('Œ', "OE"), Map.entry('ø', "o"), Map.entry('Ø', "O"), Map.entry('ł', "l"), Map.entry('Ł', "L"),
            Map.entry('đ', "d"), Map.entry('Đ', "D"), Map.entry('þ', "th"), Map.entry('Þ', "TH"), Map.entry('ı', "i"));

    private static final Pattern MARKS = Pattern.compile("\\p{M}+");

    private BamNames() {
    }

    /** {@code bamName} as an identifier of at most {@code maxLength} characters, or null when rule 1–2 leave no letter or digit. */
    static String identifier(String bamName, int maxLength) {
        StringBuilder spelled = new StringBuilder(bamName.length());
        for (int i = 0; i < bamName.length(); i++) {
            char c = bamName.charAt(i);
            spelled.append(SPELLED.getOrDefault(c, String.valueOf(c)));
        }
        String plain = MARKS.matcher(Normalizer.normalize(spelled, Normalizer.Form.NFKD)).replaceAll("");
        StringBuilder id = new StringBuilder(plain.length());
        boolean any = false;
        for (int i = 0; i < plain.length(); ) {
            int cp = plain.codePointAt(i);
            i += Character.charCount(cp);
            boolean ascii = (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9');
            any |= ascii;
            id.append(ascii || cp == '_' ? (char) cp : '_');
        }
        if (!any) {
            return null;
        }
        if (!Character.isLetter(id.charAt(0))) {
            id.insert(0, 'N');
        }
        return id.length() <= maxLength ? id.toString() : id.substring(0, maxLength - 9) + "_" + hash(bamName);
    }

    private static String hash(String bamName) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bamName.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
