package io.bambus.ui.auth;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down password guessing: after {@value #FREE_FAILURES} failed logins for one user name (or
 * {@value #FREE_ADDRESS_FAILURES} from one address), each further attempt must wait 1 s, 2 s, 4 s … up to {@value #MAX_WAIT_SECONDS}
 * s after the last failure; a success clears the name. Entries are forgotten
 * {@value #FORGET_MINUTES} minutes after their last failure.
 */
public final class LoginThrottle {

    static final int FREE_FAILURES = 3;
    /** An address may be shared by many people (a proxy, an office): it gets more failures before waits start. */
    static final int FREE_ADDRESS_FAILURES = 20;
    static final long MAX_WAIT_SECONDS = 60;
    private static final long FORGET_MINUTES = 15;
    private static final int MAX_ENTRIES = 100_000;

    private record Failures(int count, long lastMillis) {
    }

    private final Map<String, Failures> failures = new ConcurrentHashMap<>();

    /** Seconds the caller must still wait before trying {@code user} from {@code address}; 0 to go ahead. */
    public long waitSeconds(String user, String address, long nowMillis) {
        return Math.max(wait(userKey(user), FREE_FAILURES, nowMillis), wait("ip:" + address, FREE_ADDRESS_FAILURES, nowMillis));
    }

    public void failed(String user, String address, long nowMillis) {
        if (failures.size() > MAX_ENTRIES) {
            forgetOld(nowMillis);
        }
        failures.merge(userKey(user), new Failures(1, nowMillis), (a, b) -> new Failures(a.count + 1, nowMillis));
        failures.merge("ip:" + address, new Failures(1, nowMillis), (a, b) -> new Failures(a.count + 1, nowMillis));
    }

    public void succeeded(String user) {
        failures.remove(userKey(user));
    }

    private long wait(String key, int free, long nowMillis) {
        Failures f = failures.get(key);
        if (f == null || f.count < free) {
            return 0;
        }
        if (nowMillis - f.lastMillis > FORGET_MINUTES * 60_000) {
            failures.remove(key, f);
            return 0;
        }
        long waitMillis = Math.min(MAX_WAIT_SECONDS, 1L << Math.min(f.count - free, 6)) * 1000;
        long left = f.lastMillis + waitMillis - nowMillis;
        return left <= 0 ? 0 : (left + 999) / 1000;
    }

    private void forgetOld(long nowMillis) {
        for (Iterator<Failures> it = failures.values().iterator(); it.hasNext(); ) {
            if (nowMillis - it.next().lastMillis > FORGET_MINUTES * 60_000) {
                it.remove();
            }
        }
    }

    private static String userKey(String user) {
        return "user:" + (user == null ? "" : user.toLowerCase(Locale.ROOT));
    }
}
