package io.bambus.ui.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.bambus.ui.UiConfig;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The configured users and their bcrypt password hashes. */
public final class Users {

    /** Cost of the hashes this UI makes; each check takes tens of milliseconds by design. */
    public static final int COST = 12;
    /** Checked against when the name is unknown, so a wrong name costs as long as a wrong password. */
    private static final String DUMMY = BCrypt.withDefaults().hashToString(COST, "not a password".toCharArray());

    private final Map<String, UiConfig.User> byName = new HashMap<>();

    public Users(List<UiConfig.User> users) {
        users.forEach(user -> byName.put(user.name().toLowerCase(Locale.ROOT), user));
    }

    /** The user whose name and password match, or null. */
    public UiConfig.User check(String name, String password) {
        UiConfig.User user = name == null ? null : byName.get(name.toLowerCase(Locale.ROOT));
        byte[] given = (password == null ? "" : password).getBytes(StandardCharsets.UTF_8);
        String hash = user == null ? DUMMY : user.passwordHash();
        boolean verified = BCrypt.verifyer().verify(given, hash.getBytes(StandardCharsets.UTF_8)).verified;
        return user != null && verified ? user : null;
    }

    /** A bcrypt hash of {@code password}, for the configuration file. */
    public static String hash(char[] password) {
        return BCrypt.withDefaults().hashToString(COST, password);
    }
}
