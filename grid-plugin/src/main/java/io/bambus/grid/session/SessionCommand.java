package io.bambus.grid.session;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** What an operator can do to a session, from which states, and the state it leads to. */
public enum SessionCommand {
    PAUSE(SessionState.PAUSED, EnumSet.of(SessionState.RUNNING, SessionState.FAILING)),
    RESUME(SessionState.RUNNING, EnumSet.of(SessionState.PAUSED)),
    DISABLE(SessionState.DISABLED, EnumSet.of(SessionState.RUNNING, SessionState.FAILING, SessionState.PAUSED)),
    ENABLE(SessionState.RUNNING, EnumSet.of(SessionState.DISABLED));

    private final SessionState target;
    private final Set<SessionState> from;

    SessionCommand(SessionState target, Set<SessionState> from) {
        this.target = target;
        this.from = from;
    }

    public SessionState target() {
        return target;
    }

    public boolean appliesTo(SessionState state) {
        return from.contains(state) && state.canMoveTo(target);
    }

    /** The command named {@code name} (any case), or null. */
    public static SessionCommand parse(String name) {
        for (SessionCommand command : values()) {
            if (command.name().equals(name.toUpperCase(Locale.ROOT))) {
                return command;
            }
        }
        return null;
    }

    /** Why the command does not apply to a session in {@code state}, for the operator. */
    public String refusal(String sessionId, SessionState state) {
        return "session '" + sessionId + "' is " + state + "; " + name().toLowerCase(Locale.ROOT) + " applies only to a session that is "
                + from;
    }
}
