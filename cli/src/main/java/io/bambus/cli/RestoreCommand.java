package io.bambus.cli;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.DatabaseConfig;
import io.bambus.core.config.SourceConfig;
import io.bambus.core.db.Pools;
import io.bambus.core.restore.ReplayCoverage;
import io.bambus.core.sql.Identifiers;
import io.bambus.grid.ops.BusOperations;
import io.bambus.grid.session.SessionCommand;
import io.bambus.grid.session.SessionRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Puts a backup back while the cluster runs: first checks, changing nothing, that every source
 * still holds what the destination will lack (its checkpoints are read from the backup loaded
 * into a scratch database); then pauses the running sessions, waits until no member runs one,
 * loads the backup, and resumes them. They claim, find the older checkpoints, unmark the rows
 * of the lost batches and replay them.
 */
@Command(name = "restore", description = "Restore the destination from a backup; the sessions replay what it lacks from"
        + " their sources' retention.")
final class RestoreCommand implements Callable<Integer> {

    private record Point(long batchNo, long maxSeq) {
    }

    @ParentCommand
    Bambus bambus;

    @Parameters(index = "0", paramLabel = "FILE", description = "a backup written by bambus backup")
    Path file;

    @Option(names = "--force", description = "restore even when some sources no longer hold events the destination will lack")
    boolean force;

    @Option(names = "--timeout", defaultValue = "3600", description = "seconds one load may take [3600]")
    long timeoutSeconds;

    @Option(names = "--quiesce-timeout", defaultValue = "120", description = "seconds to wait for the sessions to stop [120]")
    long quiesceSeconds;

    @Override
    public Integer call() throws Exception {
        if (!Files.isReadable(file)) {
            throw new Bambus.CliException(Bambus.USAGE, "backup file " + file + " cannot be read");
        }
        BusConfig config = bambus.busConfig();
        DatabaseConfig db = config.destination();
        String database = DumpTool.target(db.jdbcUrl()).database();
        BusOperations ops = bambus.ops();   // reach the cluster before anything changes
        HikariDataSource live = bambus.destination();

        Map<String, Point> restored = backupCheckpoints(db, live);
        Map<String, Point> current = checkpoints(live, Identifiers.quote(database));
        List<ReplayCoverage> coverage = new ArrayList<>();
        for (SourceConfig source : config.sources()) {
            Point r = restored.getOrDefault(source.id(), new Point(0, 0));
            Point l = current.getOrDefault(source.id(), new Point(0, 0));
            DatabaseConfig one = new DatabaseConfig(source.database().jdbcUrl(), source.database().username(),
                    source.database().password(), 1, source.database().connectTimeoutMillis(), source.database().socketTimeoutMillis());
            try (HikariDataSource pool = Pools.open("bambus-cli-source-" + source.id(), one)) {
                coverage.add(ReplayCoverage.check(source.id(), r.batchNo(), r.maxSeq(), l.batchNo(), l.maxSeq(), pool,
                        source.outboxTable()));
            }
        }
        List<ReplayCoverage> lost = coverage.stream().filter(c -> !c.covered()).toList();
        if (!lost.isEmpty() && !force) {
            StringBuilder why = new StringBuilder("restore refused, nothing was changed: the sources no longer hold events the"
                    + " restored destination would lack (they were purged after the retention of " + config.session().retention() + "):");
            lost.forEach(c -> why.append("\n  source ").append(c.sessionId()).append(": ").append(c.lostRange()));
            why.append("\nrestore a newer backup, or give --force to restore anyway without those events");
            throw new Bambus.CliException(Bambus.REFUSED, why.toString());
        }

        long pausedAt = System.currentTimeMillis();
        List<String> paused = new ArrayList<>();
        for (SessionRecord record : ops.sessions()) {
            if (record.state().runs()) {
                ops.command(record.sessionId(), SessionCommand.PAUSE, Bambus.actor() + " (restore)");
                paused.add(record.sessionId());
            }
        }
        awaitQuiet(ops, pausedAt);
        long start = System.nanoTime();
        try {
            DumpTool.load(db, database, file, timeoutSeconds);
        } catch (RuntimeException e) {
            throw new Bambus.CliException(Bambus.UNREACHABLE, e.getMessage() + "; the destination may be incomplete: run the same"
                    + " restore again; sessions " + paused + " stay PAUSED until then");
        }
        long loadMillis = (System.nanoTime() - start) / 1_000_000;
        for (String id : paused) {
            ops.command(id, SessionCommand.RESUME, Bambus.actor() + " (restore)");
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("file", file.toString());
        result.put("loadMillis", loadMillis);
        result.put("resumed", paused);
        List<Map<String, Object>> replays = new ArrayList<>();
        for (ReplayCoverage c : coverage) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("session", c.sessionId());
            row.put("restoredBatch", c.restoredBatch());
            row.put("liveBatch", c.liveBatch());
            row.put("lost", c.lostRange());
            replays.add(row);
        }
        result.put("sessions", replays);
        Output.print(bambus, result, () -> {
            StringBuilder text = new StringBuilder("restored " + database + " from " + file + " in " + loadMillis + " ms\n");
            for (ReplayCoverage c : coverage) {
                text.append("  ").append(c.sessionId()).append(": back to batch ").append(c.restoredBatch()).append(" (was ")
                        .append(c.liveBatch()).append("); ").append(c.covered() ? "replaying the rest from the source"
                                : "LOST " + c.lostRange()).append('\n');
            }
            text.append("resumed ").append(paused).append('\n');
            return text.toString();
        });
        return Bambus.OK;
    }

    /** The checkpoints in the backup: loaded into a scratch database on the same server, read, dropped. */
    private Map<String, Point> backupCheckpoints(DatabaseConfig db, HikariDataSource live) throws Exception {
        try (ScratchDatabase scratch = ScratchDatabase.create(db, live, "restore")) {
            DumpTool.load(db, scratch.name(), file, timeoutSeconds);
            return checkpoints(live, scratch.quoted());
        }
    }

    private static Map<String, Point> checkpoints(HikariDataSource pool, String quotedDatabase) throws SQLException {
        Map<String, Point> points = new HashMap<>();
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT session_id, batch_no, max_seq FROM " + quotedDatabase
                     + ".bam_checkpoints")) {
            while (rows.next()) {
                points.put(rows.getString(1), new Point(rows.getLong(2), rows.getLong(3)));
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == 1146) {
                return points; // no checkpoints table: nothing was moved there
            }
            throw e;
        }
        return points;
    }

    /** Waits until every member has published, since the pause, that it runs no session. */
    private void awaitQuiet(BusOperations ops, long since) throws InterruptedException {
        long deadline = System.currentTimeMillis() + quiesceSeconds * 1000;
        while (System.currentTimeMillis() < deadline) {
            boolean quiet = ops.members().stream().allMatch(m -> m.status() != null && m.status().updatedMillis() > since
                    && m.status().sessionsRunning() == 0);
            if (quiet) {
                return;
            }
            Thread.sleep(200); // polling the members' published status, with a deadline
        }
        throw new Bambus.CliException(Bambus.UNREACHABLE, "the sessions did not stop within " + quiesceSeconds
                + " s; nothing was restored; they are PAUSED: resume them with bambus sessions resume, or retry");
    }
}
