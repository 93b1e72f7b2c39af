package io.bambus.ui.auth;

import java.util.HashMap;
import java.util.Map;

/**
 * Bounds the logins in progress, which are the only requests whose bodies the UI reads before it
 * knows who is asking: at most {@value #PER_ADDRESS} from one address and {@value #IN_ALL} in all.
 * Together with the login body's deadline this bounds the threads clients that never finish
 * sending can hold (300 connections sending one byte every 5 s held every thread and froze the
 * UI before). Addresses count as {@link LoginThrottle} counts them (IPv6 by /64).
 */
public final class LoginGate {

    static final int PER_ADDRESS = 4;
    static final int IN_ALL = 32;

    private final Map<String, Integer> inProgress = new HashMap<>();
    private int all;

    /** Whether a login from {@code address} may start now; each true must be followed by one {@link #leave}. */
    public synchronized boolean enter(String address) {
        String key = LoginThrottle.addressKey(address);
        int ofAddress = inProgress.getOrDefault(key, 0);
        if (ofAddress >= PER_ADDRESS || all >= IN_ALL) {
            return false;
        }
        inProgress.put(key, ofAddress + 1);
        all++;
        return true;
    }

    public synchronized void leave(String address) {
        String key = LoginThrottle.addressKey(address);
        inProgress.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
        all = Math.max(0, all - 1);
    }
}
