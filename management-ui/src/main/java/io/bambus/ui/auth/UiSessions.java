package io.bambus.ui.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logged-in browser sessions, in this process's memory (a UI restart logs everyone out). Each
 * has a random token (the cookie) and its own CSRF token; it ends after {@value #IDLE_MINUTES}
 * idle minutes or {@value #MAX_HOURS} hours.
 */
public final class UiSessions {

    public static final String COOKIE = "bambus_session";
    static final long IDLE_MINUTES = 30;
    static final long MAX_HOURS = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    public record UiSession(String token, String user, Role role, String csrf, long createdMillis, long lastSeenMillis) {

        public boolean csrfMatches(String given) {
            return given != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8),
                    given.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final Map<String, UiSession> sessions = new ConcurrentHashMap<>();

    public UiSession open(String user, Role role, long nowMillis) {
        if (sessions.size() > 10_000) {
            sessions.values().removeIf(s -> expired(s, nowMillis));
        }
        UiSession session = new UiSession(token(), user, role, token(), nowMillis, nowMillis);
        sessions.put(session.token(), session);
        return session;
    }

    /** The live session of {@code token}, touched, or null. */
    public UiSession get(String token, long nowMillis) {
        if (token == null) {
            return null;
        }
        UiSession session = sessions.get(token);
        if (session == null) {
            return null;
        }
        if (expired(session, nowMillis)) {
            sessions.remove(token, session);
            return null;
        }
        UiSession touched = new UiSession(session.token(), session.user(), session.role(), session.csrf(),
                session.createdMillis(), nowMillis);
        sessions.replace(token, session, touched);
        return touched;
    }

    /** The live session of {@code token}, not touched (a timed refresh is no activity), or null. */
    public UiSession peek(String token, long nowMillis) {
        UiSession session = token == null ? null : sessions.get(token);
        return session == null || expired(session, nowMillis) ? null : session;
    }

    /** Whether {@code token}'s session is still live, without touching it (an event stream is no activity). */
    public boolean alive(String token, long nowMillis) {
        UiSession session = token == null ? null : sessions.get(token);
        return session != null && !expired(session, nowMillis);
    }

    public void close(String token) {
        if (token != null) {
            sessions.remove(token);
        }
    }

    private static boolean expired(UiSession session, long nowMillis) {
        return nowMillis - session.lastSeenMillis() > IDLE_MINUTES * 60_000
                || nowMillis - session.createdMillis() > MAX_HOURS * 3_600_000;
    }

    private static String token() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
