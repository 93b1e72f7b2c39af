package io.bambus.ui.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.bambus.ui.UiConfig;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The configured users and their bcrypt password hashes. At most {@value #CONCURRENT_CHECKS}
 * password checks run at once (each costs ~0.2 s of CPU by design); a check that cannot start
 * within {@value #CHECK_WAIT_MILLIS} ms is refused as {@link BusyException}, so a flood of logins
 * cannot take the machine's cores.
 */
public final class Users {

    /** bcrypt reads at most 72 bytes of a password; longer ones are refused, never cut silently. */
    public static final int MAX_PASSWORD_BYTES = 72;
    static final int CONCURRENT_CHECKS = 2;
    static final long CHECK_WAIT_MILLIS = 2_000;

    /** Too many password checks are running: try again shortly. */
    public static final class BusyException extends RuntimeException {
        public BusyException() {
            super("too many logins are being checked right now; try again in a second");
        }
    }

    private final Semaphore checks = new Semaphore(CONCURRENT_CHECKS, true);

    /** Cost of the hashes this UI makes; each check takes tens of milliseconds by design. */
    public static final int COST = 12;
    /** Checked against when the name is unknown, so a wrong name costs as long as a wrong password. */
    private static final String DUMMY = BCrypt.withDefaults().hashToString(COST, "not a password".toCharArray());

    private final Map<String, UiConfig.User> byName = new HashMap<>();

    public Users(List<UiConfig.User> users) {
        users.forEach(user -> byName.put(user.name().toLowerCase(Locale.ROOT), user));
    }

    /** Whether {@code password} is longer than bcrypt can check. */
    public static boolean tooLong(String password) {
        return password != null && password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES;
    }

    /** The user whose name and password match, or null. */
    public UiConfig.User check(String name, String password) {
        if (tooLong(password)) {
            return null;
        }
        UiConfig.User user = name == null ? null : byName.get(name.toLowerCase(Locale.ROOT));
        byte[] given = (password == null ? "" : password).getBytes(StandardCharsets.UTF_8);
        String hash = user == null ? DUMMY : user.passwordHash();
        try {
            if (!checks.tryAcquire(CHECK_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new BusyException();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BusyException();
        }
        try {
            boolean verified = BCrypt.verifyer().verify(given, hash.getBytes(StandardCharsets.UTF_8)).verified;
            return user != null && verified ? user : null;
        } finally {
            checks.release();
        }
    }

    /** A bcrypt hash of {@code password}, for the configuration file. */
    public static String hash(char[] password) {
        return BCrypt.withDefaults().hashToString(COST, password);
    }
}
