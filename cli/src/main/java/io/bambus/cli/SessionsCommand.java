package io.bambus.cli;

import io.bambus.core.apply.Applier;
import io.bambus.core.session.OutboxIdentityException;
import io.bambus.grid.session.SessionCommand;
import io.bambus.grid.session.SessionRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The sessions and the operator commands on them. */
@Command(name = "sessions", description = "List sessions; pause, resume, enable or disable one; move one; turn automatic"
        + " balancing on or off; adopt a new outbox.",
        subcommands = {SessionsCommand.ListSessions.class, SessionsCommand.Pause.class, SessionsCommand.Resume.class,
                SessionsCommand.Enable.class, SessionsCommand.Disable.class, SessionsCommand.Move.class,
                SessionsCommand.Balancing.class, SessionsCommand.AdoptOutbox.class})
final class SessionsCommand {

    @ParentCommand
    Bambus bambus;

    static List<Map<String, Object>> rows(List<SessionRecord> sessions) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (SessionRecord r : sessions) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("session", r.sessionId());
            row.put("state", r.state().name());
            row.put("owner", r.ownerAddress());
            row.put("epoch", r.epoch());
            row.put("batchNo", r.batchNo());
            row.put("eventsMoved", r.eventsMoved());
            row.put("eventsFailed", r.eventsFailed());
            row.put("lagEvents", r.lagEvents());
            row.put("oldestWaitingMillis", r.oldestWaitingMillis());
            row.put("heldSinceMillis", r.heldSinceMillis());
            row.put("lastError", r.lastError());
            rows.add(row);
        }
        return rows;
    }

    static String table(List<SessionRecord> sessions) {
        List<List<String>> rows = new ArrayList<>();
        for (SessionRecord r : sessions) {
            rows.add(List.of(r.sessionId(), r.state().name(), String.valueOf(r.ownerAddress()), String.valueOf(r.epoch()),
                    String.valueOf(r.eventsMoved()), String.valueOf(r.eventsFailed()), String.valueOf(r.lagEvents()),
                    r.lastError() == null ? "" : r.lastError()));
        }
        return Output.table(List.of("session", "state", "owner", "epoch", "moved", "failed", "waiting", "last error"), rows);
    }

    @Command(name = "list", description = "The sessions: state, owner, epoch, events moved and failed, lag.")
    static final class ListSessions implements Callable<Integer> {
        @ParentCommand
        SessionsCommand parent;

        @Override
        public Integer call() {
            List<SessionRecord> sessions = parent.bambus.ops().sessions();
            Output.print(parent.bambus, rows(sessions), () -> table(sessions));
            return Bambus.OK;
        }
    }

    abstract static class Change implements Callable<Integer> {
        @ParentCommand
        SessionsCommand parent;

        @Parameters(index = "0", paramLabel = "SESSION", description = "the session (its source id)")
        String session;

        abstract SessionCommand command();

        @Override
        public Integer call() {
            SessionRecord after = parent.bambus.ops().command(session, command(), Bambus.actor());
            Output.print(parent.bambus, rows(List.of(after)).get(0),
                    () -> "session " + session + " is now " + after.state() + "\n");
            return Bambus.OK;
        }
    }

    @Command(name = "pause", description = "Stop a running session after its batch; it resumes from its checkpoint.")
    static final class Pause extends Change {
        SessionCommand command() {
            return SessionCommand.PAUSE;
        }
    }

    @Command(name = "resume", description = "Run a paused session again.")
    static final class Resume extends Change {
        SessionCommand command() {
            return SessionCommand.RESUME;
        }
    }

    @Command(name = "enable", description = "Run a disabled session.")
    static final class Enable extends Change {
        SessionCommand command() {
            return SessionCommand.ENABLE;
        }
    }

    @Command(name = "disable", description = "Stop a session and keep it stopped until enabled.")
    static final class Disable extends Change {
        SessionCommand command() {
            return SessionCommand.DISABLE;
        }
    }

    @Command(name = "move", description = "Run a session on another member from its next batch, kept there until the next"
            + " membership change (a join, a stop or a loss rebalances again).")
    static final class Move implements Callable<Integer> {
        @ParentCommand
        SessionsCommand parent;

        @Parameters(index = "0", paramLabel = "SESSION", description = "the session (its source id)")
        String session;

        @Option(names = "--to", required = true, paramLabel = "MEMBER", description = "the member's address (as 'bambus status'"
                + " shows it) or uuid")
        String to;

        @Override
        public Integer call() {
            parent.bambus.ops().move(session, to, Bambus.actor());
            Output.print(parent.bambus, Map.of("session", session, "to", to),
                    () -> "session " + session + " moves to " + to + " after its in-flight batch\n");
            return Bambus.OK;
        }
    }

    @Command(name = "balancing", description = "Turn automatic balancing on or off. Off, sessions move only when their"
            + " member leaves or is lost (and by 'sessions move').")
    static final class Balancing implements Callable<Integer> {
        @ParentCommand
        SessionsCommand parent;

        @Parameters(index = "0", paramLabel = "on|off", description = "on or off")
        String value;

        @Override
        public Integer call() {
            if (!value.equals("on") && !value.equals("off")) {
                throw new Bambus.CliException(Bambus.USAGE, "balancing takes 'on' or 'off', not '" + io.bambus.core.sql.Identifiers.printable(value) + "'");
            }
            parent.bambus.ops().balancing(value.equals("on"), Bambus.actor());
            Output.print(parent.bambus, Map.of("automaticBalancing", value.equals("on")),
                    () -> "automatic balancing is " + value + "\n");
            return Bambus.OK;
        }
    }

    @Command(name = "adopt-outbox", description = "Let a session that refuses its source's outbox (not the one its"
            + " checkpoint came from) continue from that outbox, moving all its events.")
    static final class AdoptOutbox implements Callable<Integer> {
        @ParentCommand
        SessionsCommand parent;

        @Parameters(index = "0", paramLabel = "SESSION", description = "the session (its source id)")
        String session;

        @Option(names = "--force", description = "adopt even though the session does not report an outbox mismatch")
        boolean force;

        @Override
        public Integer call() throws Exception {
            SessionRecord record = parent.bambus.ops().sessionsMap().get(session);
            if (record == null) {
                throw new Bambus.CliException(Bambus.REFUSED, "no session '" + session + "'; see 'bambus sessions list'");
            }
            boolean refusing = record.lastError() != null && record.lastError().contains(OutboxIdentityException.class.getSimpleName());
            if (!refusing && !force) {
                // forgetting the identity of the right outbox would also forget its last batch's seqs
                throw new Bambus.CliException(Bambus.REFUSED, "session '" + session + "' does not refuse its outbox (state "
                        + record.state() + "); nothing to adopt. Use --force only if you know the source's outbox was replaced");
            }
            if (!new Applier(parent.bambus.destination(), session).forgetOutbox()) {
                throw new Bambus.CliException(Bambus.REFUSED, "session '" + session + "' has no checkpoint in the destination;"
                        + " its first claim adopts the outbox by itself");
            }
            Output.print(parent.bambus, Map.of("session", session, "adopted", true),
                    () -> "session " + session + " will continue from the outbox its source names now, at its next claim\n");
            return Bambus.OK;
        }
    }
}
