package io.bambus.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.bambus.grid.testing.Await;
import io.bambus.grid.testing.BusEnvironment;
import io.bambus.grid.testing.CommitWatcher;
import io.bambus.grid.testing.DeliveryCheck;
import io.bambus.grid.testing.MemberProcesses;
import io.bambus.grid.testing.Producer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The issue's own scenario with member processes started by the scripts: six sources with ordinary
 * names on 1 → 2 → 3 members, kill -9 of the first, its restart. After each step: sessions per
 * member differ by at most one, exactly the necessary sessions moved, the others kept their epoch;
 * it prints per step the spread, the moves, join → first commit on the new member and the longest
 * commit gap of the sessions that did not move (and of the same sessions in a window as long
 * before the step, as a baseline). Every event is checked at the end.
 */
class PlacementProcessIT {

    private static final List<String> SOURCES = List.of("shop", "billing", "orders", "hr", "inventory", "payments");
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    @Timeout(480)
    void sixSourcesOnOneTwoThreeMembersAKillAndARejoin() throws Exception {
        try (BusEnvironment env = new BusEnvironment(SOURCES, null);
             MemberProcesses members = new MemberProcesses(env.configFile, 3);
             HikariDataSource watching = watchPool(env)) {
            List<Producer> producers = new ArrayList<>();
            Map<String, CommitWatcher> watchers = new LinkedHashMap<>();
            try {
                for (String id : SOURCES) {
                    producers.add(new Producer(id, env.sources.get(id), 50));
                    watchers.put(id, new CommitWatcher(watching, id, 25));
                }
                Set<Integer> live = new TreeSet<>();
                List<String> figures = new ArrayList<>();
                step(members, watchers, live, "start of member 0", figures, () -> members.start(0), 0, true);
                step(members, watchers, live, "join of member 1", figures, () -> members.start(1), 1, true);
                step(members, watchers, live, "join of member 2", figures, () -> members.start(2), 2, true);
                step(members, watchers, live, "kill -9 of member 0", figures, () -> members.kill(0), 0, false);
                step(members, watchers, live, "restart of member 0", figures, () -> members.start(0), 0, true);
                for (Producer producer : producers) {
                    DeliveryCheck.assertExactlyOnce(env, producer.sourceId(), producer.stop(), TIMEOUT);
                }
                figures.forEach(System.out::println);
            } finally {
                for (Producer producer : producers) {
                    producer.close();
                }
                for (CommitWatcher watcher : watchers.values()) {
                    watcher.close();
                }
            }
        }
    }

    /**
     * start-member.sh gives up waiting after --wait seconds (1 here: no member starts that fast) but
     * leaves the member running, since it may still join a busy cluster, and says so with its pid;
     * the harness stops it with the others (it once outlived a failed benchmark by ten minutes).
     */
    @Test
    @Timeout(180)
    void aMemberStillStartingWhenTheScriptStopsWaitingIsNamedAndStoppedWithTheRest() throws Exception {
        long pid;
        try (BusEnvironment env = new BusEnvironment(List.of("shop"), null);
             MemberProcesses members = new MemberProcesses(env.configFile, 1).startWait(1)) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> members.start(0));
            pid = members.pid(0);
            assertTrue(refused.getMessage().contains("member 'm0' is still running (pid " + pid + ")"), refused.getMessage());
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the member was stopped: " + pid);
        }
        Await.until("member process " + pid + " to end", Duration.ofSeconds(30),
                () -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    /** A connection for each watcher (the environment's destination pool has four). */
    private static HikariDataSource watchPool(BusEnvironment env) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(env.destinationJdbcUrl());
        config.setUsername(env.user());
        config.setPassword(env.password());
        config.setMaximumPoolSize(SOURCES.size() + 1);
        return new HikariDataSource(config);
    }

    private interface Action {
        void run() throws Exception;
    }

    /** Runs one step, checks it and measures it. */
    private static void step(MemberProcesses members, Map<String, CommitWatcher> watchers, Set<Integer> live,
                                            String what, List<String> figures, Action action, int index, boolean joins)
            throws Exception {
        // before the first member there is no cluster to ask
        Map<String, String> before = live.isEmpty() ? new HashMap<>() : owners(members);
        Map<String, Long> epochs = new HashMap<>();
        SOURCES.forEach(id -> epochs.put(id, live.isEmpty() ? 0 : members.sessions().get(id).epoch()));
        int removalsBefore = live.isEmpty() ? 0 : members.removals().size();
        long started = System.nanoTime();
        action.run();
        long acted = System.nanoTime();
        if (joins) {
            live.add(index);
        } else {
            live.remove(index);
        }
        List<String> addresses = live.stream().map(members::address).toList();
        // balanced: every session owned by a live member, counts within one, and each committed under its owner's epoch
        Await.until("balanced placement after " + what, TIMEOUT, () -> {
            Map<String, String> now = owners(members);
            Map<String, Integer> counts = new TreeMap<>();
            addresses.forEach(a -> counts.put(a, 0));
            for (String id : SOURCES) {
                String owner = now.get(id);
                if (owner == null || !counts.containsKey(owner)
                        || watchers.get(id).epoch() != members.sessions().get(id).epoch()) {
                    return false;
                }
                counts.merge(owner, 1, Integer::sum);
            }
            int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            int min = counts.values().stream().mapToInt(Integer::intValue).min().orElse(0);
            return max - min <= 1;
        }, () -> "(owners " + owners(members) + "; committed epochs " + SOURCES.stream().map(id -> id + "="
                + watchers.get(id).epoch() + "/" + members.sessions().get(id).epoch()).toList() + ")");
        long settled = System.nanoTime();
        Map<String, String> after = owners(members);
        List<String> moved = new ArrayList<>();
        List<String> unmoved = new ArrayList<>();
        for (String id : SOURCES) {
            (before.get(id) != null && before.get(id).equals(after.get(id)) ? unmoved : moved).add(id);
        }
        String changed = members.address(index);
        // a member removal the step did not cause (one starved of CPU past failure detection on this small machine)
        // is a membership change of its own, with moves of its own: this step's minimal moves cannot be judged then
        List<String> removals = members.removals().subList(removalsBefore, members.removals().size());
        List<String> unplanned = new ArrayList<>(removals);
        if (!joins) {
            unplanned.remove(changed);
        }
        if (!unplanned.isEmpty()) {
            figures.add(String.format("PLACEMENT-FIGURES %-20s sessions per member %s; DISTURBED: members removed that the step did"
                    + " not remove %s (a false suspicion under load); moves and restarts not judged for this step", what,
                    after, unplanned));
            System.out.println(figures.get(figures.size() - 1));
            return;
        }
        int expected = before.values().stream().allMatch(o -> o == null) ? SOURCES.size()
                : joins ? SOURCES.size() / live.size() : (int) SOURCES.stream().filter(id -> changed.equals(before.get(id))).count();
        assertEquals(expected, moved.size(), what + ": sessions moved " + moved + " (before " + before + ", after " + after + ")");
        for (String id : unmoved) {
            assertEquals(epochs.get(id), members.sessions().get(id).epoch(), what + ": " + id + " did not move but restarted");
        }
        long firstCommit = Long.MAX_VALUE;
        long lastCommit = 0;
        for (String id : moved) {
            long commit = watchers.get(id).awaitCommitAbove(epochs.get(id), TIMEOUT);
            firstCommit = Math.min(firstCommit, commit);
            lastCommit = Math.max(lastCommit, commit);
        }
        long window = settled - started;
        long pause = 0;
        long baseline = 0;
        for (String id : unmoved) {
            pause = Math.max(pause, watchers.get(id).longestGapMillis(started, settled));
            baseline = Math.max(baseline, watchers.get(id).longestGapMillis(started - window, started));
        }
        Map<String, Integer> shares = new TreeMap<>();
        after.values().forEach(a -> shares.merge(a, 1, Integer::sum));
        figures.add(String.format("PLACEMENT-FIGURES %-20s sessions per member %s; moved %d %s; %s; unmoved sessions' longest"
                        + " commit gap %d ms (baseline before the step %d ms)", what, shares, moved.size(), moved,
                joins ? String.format("script returned → first commit on the new member %d ms, last %d ms",
                        Math.max(0, (firstCommit - acted) / 1_000_000), Math.max(0, (lastCommit - acted) / 1_000_000))
                        : String.format("kill → first commit of a moved session %d ms, last %d ms",
                        (firstCommit - acted) / 1_000_000, (lastCommit - acted) / 1_000_000),
                pause, baseline));
        System.out.println(figures.get(figures.size() - 1));
        assertTrue(unmoved.stream().allMatch(id -> members.sessions().get(id).epoch() == epochs.get(id)), what);
    }

    private static Map<String, String> owners(MemberProcesses members) {
        Map<String, String> owners = new HashMap<>();
        for (String id : SOURCES) {
            owners.put(id, members.owner(id));
        }
        return owners;
    }
}
