package io.bambus.grid.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The balancer on seeded random names, member sequences and loads (seeds printed on failure): counts
 * differ by at most one after every step, moves are the minimum, and load moves settle instead of
 * flapping under measurement noise.
 */
class BalancerTest {

    private static final long[] SEEDS = {1L, 42L, 20261130L, 7_777L, 123_456_789L, 4_990_014_978_444L, System.nanoTime()};

    @Test
    void countsDifferByAtMostOneAndOnlyTheNecessarySessionsMove() {
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            String context = "seed " + seed;
            List<String> sessions = names(random, 1 + random.nextInt(40));
            List<String> members = new ArrayList<>();
            Map<String, String> assignment = new HashMap<>();
            int nextMember = 0;
            for (int step = 0; step < 40; step++) {
                boolean join = members.size() < 2 || members.size() < 5 && random.nextBoolean();
                String changed;
                if (join) {
                    changed = "m" + nextMember++;
                    members.add(changed);
                } else {
                    changed = members.remove(random.nextInt(members.size()));
                }
                Map<String, String> before = new HashMap<>(assignment);
                List<Balancer.Move> moves = new ArrayList<>();
                assignment = Balancer.balance(members, sessions, before, Map.of(), randomLoads(random, sessions), true, moves);
                String at = context + ", step " + step + (join ? ", join of " : ", loss of ") + changed + ", members " + members;
                assertBalanced(members, sessions, assignment, at);
                int expected = minimumMoves(members, sessions, before, changed, join);
                Map<String, String> after = assignment;
                long moved = sessions.stream().filter(s -> !after.get(s).equals(before.get(s))).count();
                assertEquals(expected, moved, at + ": sessions moved");
                assertEquals(expected, moves.size(), at + ": moves reported");
                if (!join) {
                    for (Balancer.Move move : moves) {
                        assertEquals(changed, move.from(), at + ": a loss moves only the lost member's sessions");
                        assertEquals(Balancer.Reason.MEMBER_GONE, move.reason(), at);
                    }
                }
                List<Balancer.Move> again = new ArrayList<>();
                assertEquals(assignment, Balancer.balance(members, sessions, assignment, Map.of(),
                        randomLoads(random, sessions), true, again), at + ": a second pass changes nothing");
                assertTrue(again.isEmpty(), at);
            }
        }
    }

    @Test
    void withBalancingOffOnlyTheLostMembersSessionsArePlaced() {
        List<String> sessions = names(new Random(5), 9);
        Map<String, String> before = new HashMap<>();
        sessions.forEach(s -> before.put(s, "a"));
        List<Balancer.Move> moves = new ArrayList<>();
        Map<String, String> after = Balancer.balance(List.of("a", "b"), sessions, before, Map.of(), Map.of(), false, moves);
        assertEquals(before, after, "nothing moves to a joining member when balancing is off");
        after = Balancer.balance(List.of("b", "c"), sessions, before, Map.of(), Map.of(), false, moves);
        assertEquals(9, moves.size());
        long onB = after.values().stream().filter("b"::equals).count();
        assertTrue(onB == 4 || onB == 5, "the lost member's sessions are spread: " + after);
    }

    @Test
    void aPinnedSessionStaysWhereTheOperatorPutIt() {
        List<String> sessions = names(new Random(9), 6);
        Map<String, String> before = new HashMap<>();
        for (int i = 0; i < sessions.size(); i++) {
            before.put(sessions.get(i), i % 2 == 0 ? "a" : "b");
        }
        String pinned = sessions.get(0);
        before.put(pinned, "b");
        List<Balancer.Move> moves = new ArrayList<>();
        Map<String, String> after = Balancer.balance(List.of("a", "b"), sessions, before, Map.of(pinned, "b"), Map.of(), true,
                moves);
        assertEquals("b", after.get(pinned));
        assertBalanced(List.of("a", "b"), sessions, after, "pinned");
    }

    @Test
    void hotSessionsSpreadOverMembersAndNoiseMovesNothingAfterwards() {
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            String context = "seed " + seed;
            int memberCount = 2 + random.nextInt(4);
            List<String> members = new ArrayList<>();
            for (int i = 0; i < memberCount; i++) {
                members.add("m" + i);
            }
            List<String> sessions = names(random, memberCount * (2 + random.nextInt(4)));
            Map<String, Double> base = new HashMap<>();
            sessions.forEach(s -> base.put(s, random.nextDouble() * 2)); // idle: up to 2 events/s
            int hotCount = Math.min(memberCount, 2 + random.nextInt(2));
            List<String> hot = new ArrayList<>(sessions.subList(0, hotCount));
            hot.forEach(s -> base.put(s, 200 + random.nextDouble() * 300));
            // the worst start: count-balanced, every hot session on the first member
            Map<String, String> assignment = Balancer.balance(members, sessions, Map.of(), Map.of(), Map.of(), true,
                    new ArrayList<>());
            for (String h : hot) {
                String other = assignment.entrySet().stream().filter(e -> e.getValue().equals("m0") && !hot.contains(e.getKey()))
                        .map(Map.Entry::getKey).findFirst().orElse(null);
                if (other != null && !assignment.get(h).equals("m0")) {
                    assignment.put(other, assignment.get(h));
                    assignment.put(h, "m0");
                }
            }
            int loadMoves = 0;
            int lastMoveRound = -1;
            for (int round = 0; round < 500; round++) {
                Map<String, Double> noisy = new HashMap<>();
                base.forEach((s, w) -> noisy.put(s, w * (0.8 + 0.4 * random.nextDouble())));
                List<Balancer.Move> moves = Balancer.loadMoves(members, assignment, noisy, Set.of(), Set.of(),
                        Balancer.Load.DEFAULT);
                for (Balancer.Move move : moves) {
                    assignment.put(move.session(), move.to());
                    loadMoves++;
                    lastMoveRound = round;
                }
                assertBalanced(members, sessions, assignment, context + ", round " + round);
            }
            Set<String> hotMembers = new TreeSet<>();
            hot.forEach(h -> hotMembers.add(assignment.get(h)));
            assertEquals(hotCount, hotMembers.size(), context + ": hot sessions share a member: " + assignment);
            assertTrue(lastMoveRound < 10, context + ": load moves went on until round " + lastMoveRound + " (" + loadMoves
                    + " moves): flapping");
        }
    }

    private static void assertBalanced(List<String> members, List<String> sessions, Map<String, String> assignment, String at) {
        assertEquals(new TreeSet<>(sessions), new TreeSet<>(assignment.keySet()), at + ": every session assigned once");
        Map<String, Integer> counts = new HashMap<>();
        members.forEach(m -> counts.put(m, 0));
        assignment.values().forEach(m -> {
            assertTrue(counts.containsKey(m), at + ": assigned to a non-member " + m);
            counts.merge(m, 1, Integer::sum);
        });
        int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int min = counts.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        assertTrue(max - min <= 1, at + ": counts differ by more than one: " + counts);
    }

    /**
     * The fewest sessions that must move: for a loss the lost member's; for a join every session when
     * none had a member, else the newcomer's share, ⌊n/m⌋ (the members that held more keep the ⌈n/m⌉).
     */
    private static int minimumMoves(List<String> members, List<String> sessions, Map<String, String> before, String changed,
                                    boolean join) {
        if (!join) {
            return (int) sessions.stream().filter(s -> changed.equals(before.get(s))).count();
        }
        boolean noneHeld = sessions.stream().allMatch(s -> before.get(s) == null);
        return noneHeld ? sessions.size() : sessions.size() / members.size();
    }

    @Test
    void aSessionNeverStaysOnOrGoesToAMemberThatCannotRunIt() {
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            List<String> members = List.of("a", "b", "c");
            List<String> sessions = names(random, 5 + random.nextInt(20));
            Map<String, String> before = new HashMap<>();
            sessions.forEach(s -> before.put(s, members.get(random.nextInt(members.size()))));
            // b lacks some sources; c runs nothing (its sessions' job stands still); one session no member can run
            Set<String> bLacks = new HashSet<>();
            sessions.forEach(s -> {
                if (random.nextBoolean()) {
                    bLacks.add(s);
                }
            });
            String nowhere = sessions.get(0);
            bLacks.add(nowhere);
            Map<String, Set<String>> unable = Map.of("b", bLacks, "c", Set.copyOf(sessions));
            Map<String, Set<String>> unableWithNowhere = new HashMap<>(unable);
            unableWithNowhere.put("a", Set.of(nowhere));
            List<Balancer.Move> moves = new ArrayList<>();
            Map<String, String> after = Balancer.balance(members, sessions, before, Map.of(sessions.get(1), "c"),
                    randomLoads(random, sessions), true, unableWithNowhere, moves);
            String at = "seed " + seed;
            for (String session : sessions) {
                if (session.equals(nowhere)) {
                    assertEquals(before.get(nowhere), after.get(nowhere), at + ": a session no member can run stays put");
                } else {
                    assertTrue(Balancer.can(unableWithNowhere, after.get(session), session), at + ": " + session + " on "
                            + after.get(session));
                }
            }
            for (Balancer.Move move : moves) {
                if (!move.session().equals(nowhere) && !Balancer.can(unableWithNowhere, move.from(), move.session())) {
                    assertEquals(Balancer.Reason.CANNOT_RUN, move.reason(), at);
                }
            }
            // a member that alone can run some sessions ends above its share; what others can run leaves it over the
            // next rounds (each move lowers the excess), then nothing moves
            Map<String, String> settled = after;
            int rounds = 0;
            List<Balancer.Move> again;
            do {
                again = new ArrayList<>();
                settled = Balancer.balance(members, sessions, settled, Map.of(sessions.get(1), "c"), randomLoads(random, sessions),
                        true, unableWithNowhere, again);
                for (Balancer.Move move : again) {
                    assertTrue(Balancer.can(unableWithNowhere, move.to(), move.session()), at + ": " + move);
                }
            } while (!again.isEmpty() && ++rounds < 3);
            assertTrue(again.isEmpty(), at + ": settled within 3 rounds; still moving " + again);
        }
    }

    private static Map<String, Double> randomLoads(Random random, List<String> sessions) {
        Map<String, Double> load = new HashMap<>();
        sessions.forEach(s -> load.put(s, random.nextDouble() * 100));
        return load;
    }

    /** Random source-like ids: lower-case words with digits, as operators name databases. */
    private static List<String> names(Random random, int count) {
        Set<String> names = new HashSet<>();
        while (names.size() < count) {
            StringBuilder name = new StringBuilder();
            int length = 3 + random.nextInt(10);
            for (int i = 0; i < length; i++) {
                name.append((char) ('a' + random.nextInt(26)));
            }
            if (random.nextBoolean()) {
                name.append('-').append(random.nextInt(1000));
            }
            names.add(name.toString());
        }
        return new ArrayList<>(names);
    }
}
