package io.bambus.grid.session;

/**
 * An operator's command on a session record. Returns the changed record, or null when the command
 * does not apply to the session's current state (or it has no record). The owner's placement
 * loop stops or starts the session at its next reconcile.
 */
public final class ChangeState extends RecordUpdate {

    private final SessionCommand command;

    public ChangeState(SessionCommand command) {
        this.command = command;
    }

    @Override
    SessionRecord update(SessionRecord current) {
        return command.appliesTo(current.state()) ? current.withState(command.target()) : null;
    }
}
