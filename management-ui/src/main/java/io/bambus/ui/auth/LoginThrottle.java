package io.bambus.ui.auth;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Slows down password guessing. Every attempt is counted <em>before</em> its password is checked
 * (so parallel guesses cannot slip past while the slow hash runs), by two keys:
 * <ul>
 *   <li>the user name together with the caller's address: after {@value #FREE_FAILURES} failures
 *       each further attempt waits 1 s, 2 s, 4 s … up to {@value #MAX_WAIT_SECONDS} s after the
 *       last one. Guessing from one address slows that address down for that name only: the
 *       user, or a scraper, logging in from elsewhere is not locked out by it;</li>
 *   <li>the address alone: the same after {@value #FREE_ADDRESS_FAILURES} failures (an address
 *       may be shared by many people), so one address cannot try name after name.</li>
 * </ul>
 * A success refunds its own attempt and clears its name-and-address key only. Every name, configured
 * or not, counts under its own key: an answer never depends on whether a name exists (a shared key
 * for unknown names answered 429 to made-up names while a real one still got 401, which told an
 * attacker which names are real). The table stays bounded all the same: an address's own key slows
 * it after {@value #FREE_ADDRESS_FAILURES} failures, entries are forgotten {@value #FORGET_MINUTES}
 * minutes after their last attempt (checked every minute), and past {@value #MAX_ENTRIES} entries
 * it starts afresh. IPv6 addresses count by their /64 network.
 */
public final class LoginThrottle {

    static final int FREE_FAILURES = 3;
    static final int FREE_ADDRESS_FAILURES = 20;
    static final long MAX_WAIT_SECONDS = 60;
    private static final long FORGET_MINUTES = 15;
    private static final int MAX_ENTRIES = 100_000;

    private record Failures(int count, long lastMillis) {
    }

    private final Map<String, Failures> failures = new HashMap<>();
    private long prunedMillis;

    /**
     * Counts an attempt of {@code user} from {@code address} as failed until {@link #succeeded}
     * says otherwise. Returns 0 when the attempt may go ahead, else the seconds to wait (and then
     * nothing is counted).
     */
    public synchronized long begin(String user, String address, long nowMillis) {
        String pair = pairKey(user, address);
        String ip = addressKey(address);
        long wait = Math.max(wait(pair, FREE_FAILURES, nowMillis), wait(ip, FREE_ADDRESS_FAILURES, nowMillis));
        if (wait > 0) {
            return wait;
        }
        if (nowMillis - prunedMillis > 60_000 || failures.size() > MAX_ENTRIES) {
            prunedMillis = nowMillis;
            failures.values().removeIf(f -> nowMillis - f.lastMillis > FORGET_MINUTES * 60_000);
            if (failures.size() > MAX_ENTRIES) {
                // a flood from more addresses than this holds: start afresh rather than grow without bound
                failures.clear();
            }
        }
        failures.merge(pair, new Failures(1, nowMillis), (a, b) -> new Failures(a.count + 1, nowMillis));
        failures.merge(ip, new Failures(1, nowMillis), (a, b) -> new Failures(a.count + 1, nowMillis));
        return 0;
    }

    /** The attempt failed: the waits count from now, the end of its check. */
    public synchronized void failed(String user, String address, long nowMillis) {
        failures.computeIfPresent(pairKey(user, address), (k, f) -> new Failures(f.count, Math.max(f.lastMillis, nowMillis)));
        failures.computeIfPresent(addressKey(address), (k, f) -> new Failures(f.count, Math.max(f.lastMillis, nowMillis)));
    }

    /** The attempt {@link #begin} counted was never checked (the server was busy): it does not count. */
    public synchronized void refund(String user, String address) {
        refund(pairKey(user, address));
        refund(addressKey(address));
    }

    /** The attempt succeeded: its name-and-address key is cleared and the address gets its attempt back. */
    public synchronized void succeeded(String user, String address) {
        failures.remove(pairKey(user, address));
        refund(addressKey(address));
    }

    private void refund(String key) {
        failures.computeIfPresent(key, (k, f) -> f.count <= 1 ? null : new Failures(f.count - 1, f.lastMillis));
    }

    private long wait(String key, int free, long nowMillis) {
        Failures f = failures.get(key);
        if (f == null || f.count < free) {
            return 0;
        }
        if (nowMillis - f.lastMillis > FORGET_MINUTES * 60_000) {
            failures.remove(key);
            return 0;
        }
        long waitMillis = Math.min(MAX_WAIT_SECONDS, 1L << Math.min(f.count - free, 6)) * 1000;
        long left = f.lastMillis + waitMillis - nowMillis;
        return left <= 0 ? 0 : (left + 999) / 1000;
    }

    private String pairKey(String user, String address) {
        String name = user == null ? "" : user.toLowerCase(Locale.ROOT);
        return "user:" + name + "\u0000" + addressKey(address);
    }

    /** An IPv4 address, or an IPv6 address's /64 network (one host usually holds a whole /64). */
    static String addressKey(String address) {
        if (address == null || address.indexOf(':') < 0) {
            return "ip:" + address;
        }
        try {
            byte[] bytes = java.net.InetAddress.getByName(address.replace("[", "").replace("]", "")).getAddress();
            if (bytes.length == 16) {
                StringBuilder net = new StringBuilder("ip6:");
                for (int i = 0; i < 8; i++) {
                    net.append(String.format("%02x", bytes[i]));
                }
                return net.append("/64").toString();
            }
            return "ip:" + java.net.InetAddress.getByAddress(bytes).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return "ip:" + address;
        }
    }
}
