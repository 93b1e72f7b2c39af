package io.bambus.cli;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.activity.DefinitionException;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.apply.Applier;
import io.bambus.core.session.Checkpoint;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.Secrets;
import io.bambus.core.config.SourceConfig;
import io.bambus.core.config.SourcesFile;
import io.bambus.core.db.Pools;
import io.bambus.core.outbox.OutboxReader;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.grid.ops.BusOperations;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.session.SessionState;
import io.bambus.grid.status.MemberStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Adds a source to the bus configuration file or removes one, then waits until every member runs
 * with the change. Everything is checked before the file is touched: the arguments, the edited
 * file (parsed as the members will parse it), the source database and its outbox, the cluster,
 * and the destination's checkpoint of an id used before. A refusal changes nothing; once the file
 * is written, a bus that does not confirm in time gives exit code {@value Bambus#NOT_CONFIRMED}.
 */
@Command(name = "sources", description = "Add a source to the bus configuration file or remove one; the members pick it up.",
        subcommands = {SourcesCommand.Add.class, SourcesCommand.Remove.class})
final class SourcesCommand {

    private static final long POLL_MILLIS = 250;

    @ParentCommand
    Bambus bambus;

    @Command(name = "add", description = "Check a source (reachable, outbox table present), add it to the configuration file"
            + " and wait until its session has claimed on its owner.")
    static final class Add implements Callable<Integer> {
        @ParentCommand
        SourcesCommand parent;

        @Parameters(index = "0", paramLabel = "SOURCE", description = "the new source's id (its session's name)")
        String id;

        @Option(names = "--jdbc-url", required = true, description = "the source database, jdbc:mysql://host:port/db")
        String jdbcUrl;

        @Option(names = "--username", required = true, description = "the user the members connect as")
        String username;

        @Option(names = "--password-secret", description = "the name of a secret handed to the members at start"
                + " (start-member.sh --secrets FILE; give the CLI the same --secrets FILE): out of reach of Jet jobs")
        String passwordSecret;

        @Option(names = "--password-file", description = "a file holding only the password, readable on every member's host")
        Path passwordFile;

        @Option(names = "--password-env", description = "an environment variable holding the password, set in every member's"
                + " environment when it started")
        String passwordEnv;

        @Option(names = "--outbox-table", description = "the outbox table [bam_outbox]")
        String outboxTable;

        @Option(names = "--disabled", description = "add it disabled: its session waits for 'sessions enable'")
        boolean disabled;

        @Option(names = "--create-outbox", description = "create the outbox table when the source has none")
        boolean createOutbox;

        @Option(names = "--resume", description = "the destination has a checkpoint for this id: this is the same outbox it"
                + " moved from before, resume after it")
        boolean resume;

        @Option(names = "--wait", description = "seconds to wait for the session to run (0: do not wait) [60]", defaultValue = "60")
        int waitSeconds;

        @Override
        public Integer call() throws Exception {
            Bambus bambus = parent.bambus;
            if ((passwordFile != null ? 1 : 0) + (passwordEnv != null ? 1 : 0) + (passwordSecret != null ? 1 : 0) > 1) {
                throw new Bambus.CliException(Bambus.USAGE, "give one of --password-secret, --password-file and --password-env");
            }
            checkWait(waitSeconds);
            BusConfig config = bambus.busConfig();
            if (config.source(id) != null) {
                throw new Bambus.CliException(Bambus.REFUSED, "source '" + id + "' is already in " + bambus.config
                        + "; remove it first to change it, or edit the file (members restart a session whose source changed)");
            }
            String passwordKey = passwordSecret != null ? "passwordSecret" : passwordFile != null ? "passwordFile"
                    : passwordEnv != null ? "passwordEnv" : null;
            String passwordValue = passwordSecret != null ? passwordSecret
                    : passwordFile != null ? passwordFile.toAbsolutePath().toString() : passwordEnv;
            SourcesFile.Edit edit = edit(() -> SourcesFile.add(bambus.config, SourcesFile.fields(id, jdbcUrl, username,
                    passwordKey, passwordValue, outboxTable, !disabled), Secrets.names()));
            BusOperations ops = bambus.ops();
            SessionRecord existing = ops.sessionsMap().get(id);
            if (existing != null) {
                throw new Bambus.CliException(Bambus.REFUSED, "the cluster already has a session '" + id + "' ("
                        + existing.state() + ") though " + bambus.config + " has no such source: some member reads another"
                        + " file; give every member the same configuration first");
            }
            checkDefinitions(edit.config());
            checkHistory();
            checkSource(edit.config().source(id));
            write(edit);
            ops.recordChange(id, Bambus.actor(), "source added" + (disabled ? " (disabled)" : "") + (resume ? " (resumed)" : ""));
            Map<String, Object> result = new LinkedHashMap<>();
            if (waitSeconds == 0) {
                result.put("session", id);
                result.put("action", "added");
                result.put("file", bambus.config.toString());
                Output.print(bambus, result, () -> "source " + id + " added to " + bambus.config + "; not waiting for it\n");
                return Bambus.OK;
            }
            // a new record: any progress it shows was published by a runner that claimed in the destination
            long millis = await(bambus, ops, id, "added", waitSeconds, status -> status.sources().contains(id), () -> {
                SessionRecord now = ops.sessionsMap().get(id);
                return now != null && (disabled ? now.state() == SessionState.DISABLED
                        : now.state() == SessionState.RUNNING && now.lastCommitMillis() > 0
                        || now.state() == SessionState.FAILING);
            });
            SessionRecord record = ops.sessionsMap().get(id);
            if (record == null) {
                throw new Bambus.CliException(Bambus.NOT_CONFIRMED, "source " + id + " was added to " + bambus.config
                        + " but its session record went meanwhile; see 'bambus status'");
            }
            result.putAll(SessionsCommand.rows(List.of(record)).get(0));
            result.put("action", "added");
            result.put("file", bambus.config.toString());
            result.put("millis", millis);
            Output.print(bambus, result, () -> "source " + id + " added to " + bambus.config + "; session " + id + " is "
                    + record.state() + (record.ownerAddress() == null ? "" : " on " + record.ownerAddress())
                    + (record.lastError() == null ? "" : ": " + record.lastError()) + " (" + millis + " ms)\n");
            if (record.state() == SessionState.FAILING) {
                bambus.err.println("error: source " + id + " was added, but its session is FAILING on its owner: "
                        + record.lastError() + "; it retries with back-off; fix the cause, or remove the source");
                return Bambus.NOT_CONFIRMED;
            }
            return Bambus.OK;
        }

        /** The members reload the definitions with the file and refuse both when they do not parse. */
        private void checkDefinitions(BusConfig edited) {
            try {
                DefinitionFile.read(edited.definitions());
            } catch (DefinitionException e) {
                throw new Bambus.CliException(Bambus.USAGE, "the members would refuse the edited file: its definitions "
                        + edited.definitions() + " are invalid (" + e.getMessage().lines().findFirst().orElse("")
                        + "); fix them first");
            }
        }

        /**
         * An id whose session committed before has a checkpoint in the destination. Its claim would
         * mark (or unmark for replay) rows of that history in whatever outbox the id names now: only
         * right for the same outbox, which the operator confirms with --resume.
         */
        private void checkHistory() {
            Checkpoint checkpoint;
            try {
                checkpoint = new Applier(parent.bambus.destination(), id).checkpoint();
            } catch (SQLException e) {
                if (e.getErrorCode() == 1146) {
                    return; // bam_checkpoints not deployed yet: no history
                }
                throw new Bambus.CliException(Bambus.UNREACHABLE, "cannot read the destination's checkpoint of '" + id + "': "
                        + e.getMessage() + "; check destination in " + parent.bambus.config);
            }
            if (checkpoint != null && checkpoint.batchNo() > 0 && !resume) {
                throw new Bambus.CliException(Bambus.REFUSED, "the destination has a checkpoint for '" + id + "' (batch "
                        + checkpoint.batchNo() + ", outbox seq " + checkpoint.maxSeq() + ", " + checkpoint.eventsApplied()
                        + " events applied): the id moved events before. If this is the same outbox, give --resume to"
                        + " continue after that checkpoint; if it is another database, give another id");
            }
        }

        /** The source answers as the members will connect, and has its outbox table (created when asked). */
        private void checkSource(SourceConfig source) throws SQLException {
            try (HikariDataSource pool = Pools.open("bambus-cli-source", source.database());
                 Connection connection = connect(pool, source)) {
                boolean present;
                try (PreparedStatement statement = connection.prepareStatement("SELECT COUNT(*) FROM information_schema.tables"
                        + " WHERE table_schema = DATABASE() AND table_name = ?")) {
                    statement.setString(1, source.outboxTable());
                    try (ResultSet row = statement.executeQuery()) {
                        row.next();
                        present = row.getLong(1) > 0;
                    }
                }
                if (!present && createOutbox) {
                    OutboxSchema.create(connection, source.outboxTable());
                    parent.bambus.err.println("created outbox table " + source.outboxTable() + " in " + source.database().jdbcUrl());
                } else if (!present) {
                    throw new Bambus.CliException(Bambus.USAGE, "source " + source.database().jdbcUrl() + " has no outbox table '"
                            + source.outboxTable() + "'; create it with the DDL in docs/api.md (OutboxSchema.ddl), give"
                            + " --outbox-table if it has another name, or --create-outbox to create it now");
                }
                checkRights(connection, source);
            }
        }

        /** The session reads, marks (UPDATE) and purges (DELETE) outbox rows: statements that match no row check the rights. */
        private static void checkRights(Connection connection, SourceConfig source) {
            String table = OutboxSchema.quoted(source.outboxTable());
            for (String sql : List.of("SELECT seq FROM " + table + " WHERE 1 = 0",
                    "UPDATE " + table + " SET moved_batch = moved_batch WHERE 1 = 0", "DELETE FROM " + table + " WHERE 1 = 0")) {
                try (PreparedStatement statement = connection.prepareStatement(sql)) {
                    statement.execute();
                } catch (SQLException e) {
                    throw new Bambus.CliException(Bambus.USAGE, "user " + source.database().username() + " cannot run '"
                            + sql.substring(0, sql.indexOf(' ')) + "' on " + source.outboxTable() + " in "
                            + source.database().jdbcUrl() + " (" + e.getMessage() + "); grant it SELECT, UPDATE and DELETE on"
                            + " the outbox table");
                }
            }
        }

        private Connection connect(HikariDataSource pool, SourceConfig source) {
            try {
                return pool.getConnection();
            } catch (SQLException e) {
                throw new Bambus.CliException(Bambus.UNREACHABLE, "cannot connect to source " + source.database().jdbcUrl()
                        + " as " + source.database().username() + ": " + e.getMessage() + "; check --jdbc-url, --username"
                        + " and the password option");
            }
        }
    }

    @Command(name = "remove", description = "Remove a source from the configuration file once no event waits in its outbox;"
            + " its session stops and its record goes. Its checkpoint stays in the destination: added again (--resume), it"
            + " continues after it.")
    static final class Remove implements Callable<Integer> {
        @ParentCommand
        SourcesCommand parent;

        @Parameters(index = "0", paramLabel = "SOURCE", description = "the source's id")
        String id;

        @Option(names = "--force", description = "remove it even when events wait in its outbox or it cannot be reached"
                + " (the events stay there; adding the source again moves them)")
        boolean force;

        @Option(names = "--wait", description = "seconds to wait until no member runs it (0: do not wait) [60]",
                defaultValue = "60")
        int waitSeconds;

        @Override
        public Integer call() throws Exception {
            Bambus bambus = parent.bambus;
            checkWait(waitSeconds);
            BusConfig config = bambus.busConfig();
            SourceConfig source = config.source(id);
            if (source == null) {
                throw new Bambus.CliException(Bambus.REFUSED, "no source '" + id + "' in " + bambus.config + "; its sources are "
                        + config.sources().stream().map(SourceConfig::id).toList());
            }
            SourcesFile.Edit edit = edit(() -> SourcesFile.remove(bambus.config, id, Secrets.names()));
            BusOperations ops = bambus.ops();
            if (!force) {
                long waiting = waiting(source, config);
                if (waiting < 0) {
                    throw new Bambus.CliException(Bambus.UNREACHABLE, "cannot check source '" + id + "' for waiting events;"
                            + " bring it back, or give --force to remove it anyway");
                }
                if (waiting > 0) {
                    throw new Bambus.CliException(Bambus.REFUSED, waiting + " events wait in the outbox of source '" + id
                            + "'; removed now, they would not move. Stop the application's writes and wait until 'bambus"
                            + " sessions list' shows 0 waiting, or give --force (they stay in the outbox; adding the source"
                            + " again with --resume moves them)");
                }
            }
            write(edit);
            ops.recordChange(id, Bambus.actor(), "source removed" + (force ? " (forced)" : ""));
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("session", id);
            result.put("action", "removed");
            result.put("file", bambus.config.toString());
            if (waitSeconds == 0) {
                Output.print(bambus, result, () -> "source " + id + " removed from " + bambus.config + "; not waiting\n");
                return Bambus.OK;
            }
            long millis = await(bambus, ops, id, "removed", waitSeconds, status -> !status.sources().contains(id),
                    () -> !ops.sessionsMap().containsKey(id));
            long left = waiting(source, config);
            result.put("millis", millis);
            result.put("eventsLeft", left);
            Output.print(bambus, result, () -> "source " + id + " removed from " + bambus.config + "; no member runs it ("
                    + millis + " ms)\n" + (left > 0 ? left + " events stay in its outbox unmoved; add the source again with"
                    + " --resume to move them\n" : ""));
            return Bambus.OK;
        }

        /** Events waiting in the source's outbox, or -1 when it cannot be reached. */
        private static long waiting(SourceConfig source, BusConfig config) {
            try (HikariDataSource pool = Pools.open("bambus-cli-source", source.database())) {
                return new OutboxReader(pool, source.outboxTable(), config.session().retention()).lag().events();
            } catch (SQLException e) {
                return -1;
            }
        }
    }

    private static void checkWait(int waitSeconds) {
        if (waitSeconds < 0) {
            throw new Bambus.CliException(Bambus.USAGE, "--wait " + waitSeconds + " is negative; give seconds, or 0 not to wait");
        }
    }

    /** Builds the edit, turning a refusal of the file into the error for the operator. */
    private static SourcesFile.Edit edit(Supplier<SourcesFile.Edit> edit) {
        try {
            return edit.get();
        } catch (IllegalArgumentException e) {
            throw new Bambus.CliException(Bambus.USAGE, e.getMessage());
        }
    }

    private static void write(SourcesFile.Edit edit) {
        try {
            SourcesFile.write(edit);
        } catch (IOException | IllegalStateException e) {
            throw new Bambus.CliException(Bambus.REFUSED, "cannot write " + edit.file() + ": " + e.getMessage()
                    + "; nothing was changed");
        }
    }

    /** The first problem of a member's refused configuration (the line after "invalid bus configuration FILE:"). */
    static String firstProblem(String configError) {
        List<String> lines = configError.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        return lines.size() > 1 && lines.get(0).startsWith("invalid ") ? lines.get(1) : lines.isEmpty() ? "" : lines.get(0);
    }

    /**
     * Waits until every member's published configuration passes {@code memberDone} and then the
     * session has {@code settled}; returns the milliseconds that took. On the deadline names the
     * members that lag behind and why.
     */
    private static long await(Bambus bambus, BusOperations ops, String id, String action, int waitSeconds,
                              Predicate<MemberStatus> memberDone, java.util.function.BooleanSupplier settled)
            throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + waitSeconds * 1_000_000_000L;
        while (true) {
            List<String> behind = new ArrayList<>();
            for (BusOperations.MemberView member : ops.members()) {
                MemberStatus status = member.status();
                if (status == null || status.sources() == null || !memberDone.test(status)) {
                    behind.add(member.address() + (status == null ? " (no status yet)" : status.configError() == null ? ""
                            : " (it refused the file: " + firstProblem(status.configError()) + ")"));
                }
            }
            if (behind.isEmpty() && settled.getAsBoolean()) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            if (System.nanoTime() >= deadline) {
                SessionRecord now = ops.sessionsMap().get(id);
                String why = !behind.isEmpty() ? "members " + behind + " do not run with the edited file; they may read"
                        + " another copy of it (give every member the same file)"
                        : now == null ? "session " + id + " has no record yet"
                        : "session " + id + " is " + now.state() + (now.lastError() == null ? "" : ": " + now.lastError());
                throw new Bambus.CliException(Bambus.NOT_CONFIRMED, "source " + id + " was " + action + " in " + bambus.config
                        + " but after " + waitSeconds + " s " + why);
            }
            Thread.sleep(POLL_MILLIS); // polling the members' published status, with a deadline
        }
    }
}
