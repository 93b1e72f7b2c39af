package io.bambus.cli;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.SourceConfig;
import io.bambus.core.db.Pools;
import io.bambus.core.verify.DeliveryVerifier;
import io.bambus.grid.ops.BusOperations;
import io.bambus.grid.session.SessionRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * A failover drill: stops the member running a session (halt, as kill -9, or graceful), measures
 * the pause until a survivor takes the session over and commits, waits for the sessions to catch
 * up, then checks every event still in the sources against the destination and prints pass or fail.
 */
@Command(name = "drill", description = "Stop the member running a session, measure the failover, check every event; pass or"
        + " fail.")
final class DrillCommand implements Callable<Integer> {

    @ParentCommand
    Bambus bambus;

    @Option(names = "--session", required = true, description = "the session whose member is stopped")
    String session;

    static final class Mode {
        @Option(names = "--kill", description = "halt the member (as kill -9; the default)")
        boolean kill;

        @Option(names = "--stop", description = "stop the member gracefully")
        boolean stop;
    }

    @ArgGroup(exclusive = true)
    Mode mode = new Mode();

    @Option(names = "--timeout", defaultValue = "120", description = "seconds to wait for the takeover and the catch-up [120]")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        boolean kill = !mode.stop;
        BusConfig config = bambus.busConfig();
        BusOperations ops = bambus.ops();
        HikariDataSource live = bambus.destination();
        SessionRecord before = ops.sessionsMap().get(session);
        if (before == null) {
            throw new Bambus.CliException(Bambus.REFUSED, "no session '" + session + "'; the sessions are " + ops.sessionsMap().keySet());
        }
        if (!before.state().runs() || before.ownerAddress() == null) {
            throw new Bambus.CliException(Bambus.REFUSED, "session '" + session + "' is " + before.state()
                    + " and runs nowhere; a drill needs a running session");
        }
        String victim = before.ownerAddress();
        long start = System.nanoTime();
        ops.stopMember(victim, kill, Bambus.actor());
        long deadline = start + timeoutSeconds * 1_000_000_000L;
        long tookOver = -1;
        long committed = -1;
        SessionRecord now = before;
        while (System.nanoTime() < deadline && committed < 0) {
            now = ops.sessionsMap().get(session);
            if (tookOver < 0 && now != null && now.epoch() > before.epoch() && !victim.equals(now.ownerAddress())) {
                tookOver = System.nanoTime();
            }
            if (tookOver >= 0 && now.eventsMoved() > before.eventsMoved() && now.batchNo() > before.batchNo()) {
                committed = System.nanoTime();
            } else if (tookOver >= 0 && now.lagEvents() == 0 && now.updatedMillis() > System.currentTimeMillis() - 1_000
                    && System.nanoTime() - tookOver > 5_000_000_000L) {
                break;   // nothing waits in the source: the takeover is all there is to measure
            }
            Thread.sleep(10); // polling the session record, with a deadline
        }
        if (tookOver < 0) {
            throw new Bambus.CliException(Bambus.REFUSED, "FAIL: no survivor took session '" + session + "' over within "
                    + timeoutSeconds + " s after stopping " + victim);
        }

        List<DeliveryVerifier.Report> reports = new ArrayList<>();
        List<HikariDataSource> pools = new ArrayList<>();
        try (ScratchDatabase scratchDatabase = ScratchDatabase.create(config.destination(), live, "drill");
             HikariDataSource scratch = Pools.open("bambus-drill-scratch", scratchDatabase.config())) {
            List<DeliveryVerifier.Source> sources = new ArrayList<>();
            for (SourceConfig source : config.sources()) {
                HikariDataSource pool = Pools.open("bambus-drill-" + source.id(), source.database());
                pools.add(pool);
                sources.add(new DeliveryVerifier.Source(source.id(), pool, source.outboxTable()));
            }
            reports.addAll(new DeliveryVerifier(live, scratch).verify(sources));
        } finally {
            pools.forEach(HikariDataSource::close);
        }
        boolean passed = reports.stream().allMatch(DeliveryVerifier.Report::passed);
        long takeoverMillis = (tookOver - start) / 1_000_000;
        long commitMillis = committed < 0 ? -1 : (committed - start) / 1_000_000;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("passed", passed);
        result.put("session", session);
        result.put("mode", kill ? "kill" : "stop");
        result.put("stoppedMember", victim);
        result.put("newOwner", now == null ? null : now.ownerAddress());
        result.put("takeoverMillis", takeoverMillis);
        result.put("firstCommitMillis", commitMillis);
        result.put("sessions", reports);
        String owner = now == null ? null : now.ownerAddress();
        Output.print(bambus, result, () -> {
            StringBuilder text = new StringBuilder();
            text.append("drill: ").append(kill ? "halted" : "stopped").append(" member ").append(victim).append(" running session ")
                    .append(session).append('\n');
            text.append("  taken over by ").append(owner).append(" after ").append(takeoverMillis).append(" ms; first commit ")
                    .append(commitMillis < 0 ? "none (nothing was waiting)" : "after " + commitMillis + " ms").append('\n');
            for (DeliveryVerifier.Report r : reports) {
                text.append("  ").append(r.sessionId()).append(": ").append(r.eventsChecked()).append(" events, ")
                        .append(r.instancesChecked()).append(" instances checked: lost ").append(r.lost().size())
                        .append(", different ").append(r.different().size()).append(", duplicated or out of order ")
                        .append(r.duplicated().size()).append('\n');
                r.lost().stream().limit(10).forEach(line -> text.append("    lost: ").append(line).append('\n'));
                r.different().stream().limit(10).forEach(line -> text.append("    different: ").append(line).append('\n'));
                r.duplicated().stream().limit(10).forEach(line -> text.append("    duplicated: ").append(line).append('\n'));
            }
            text.append(passed ? "PASS\n" : "FAIL\n");
            return text.toString();
        });
        return passed ? Bambus.OK : Bambus.REFUSED;
    }
}
