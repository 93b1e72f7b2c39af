package io.bambus.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bambus.core.session.Checkpoint;
import io.bambus.core.event.DecodedEvent;
import io.bambus.core.testing.BusFixture;
import io.bambus.core.testing.OutboxEvents;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two sessions (two sources) write the same instances: source A begins each instance, enables a
 * continuation token and sets some items; source B sets other items through the token and on the
 * instance directly. B sends its events for an instance only once A's enable has committed (as an
 * application waiting on A would), so every interleaving must end in the same completed rows.
 */
class ConcurrentSessionsTest {

    private static final int INSTANCES = 2_000;
    /** A's second part of an instance follows its first part this many instances later in A's stream. */
    private static final int LAG = 20;
    private static final Duration DEADLINE = Duration.ofMinutes(5);

    private BusFixture bus;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    @Test
    void concurrentSessionsOnOneInstanceLoseNothing() throws Exception {
        long seed = Long.getLong("bambus.seed", System.nanoTime());
        System.out.println("concurrentSessionsOnOneInstanceLoseNothing seed " + seed + " (rerun with -Dbambus.seed=" + seed + ")");
        Random random = new Random(seed);
        Session a = new Session(bus.applier("source-a"), random.nextLong());
        Session b = new Session(bus.applier("source-b"), random.nextLong());

        // warm up (JIT, pool), then one session at a time: A's whole stream, then B's
        a.applyAll(streamA("warm", 300), null);
        b.applyAll(streamB("warm", 300), null);
        List<DecodedEvent> soloA = streamA("solo", INSTANCES);
        List<DecodedEvent> soloB = streamB("solo", INSTANCES);
        long start = System.nanoTime();
        a.applyAll(soloA, null);
        b.applyAll(soloB, null);
        double soloRate = (soloA.size() + soloB.size()) / seconds(start);

        // both at once on the same instances
        List<DecodedEvent> bothA = streamA("po", INSTANCES);
        List<DecodedEvent> bothB = streamB("po", INSTANCES);
        long[] innodb = innodbCounters();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        start = System.nanoTime();
        Future<?> runA = threads.submit(() -> a.applyAll(bothA, null));
        // B may send events of instance i only after A committed the enable of instance i
        Future<?> runB = threads.submit(() -> b.applyAll(bothB, a));
        runA.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        runB.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        double bothRate = (bothA.size() + bothB.size()) / seconds(start);
        threads.shutdown();
        long[] innodbAfter = innodbCounters();

        System.out.printf("apply rate, %d instances, %d events per source: one session at a time %,.0f events/s;"
                        + " two sessions on the same instances %,.0f events/s together (ratio %.2f);"
                        + " session retries after an error: A %d, B %d; server deadlocks %d, row lock waits %d%n",
                INSTANCES, bothA.size(), soloRate, bothRate, bothRate / soloRate, a.errors, b.errors,
                innodbAfter[0] - innodb[0], innodbAfter[1] - innodb[1]);
        assertEquals("", lostUpdates("solo"), "one session at a time");
        assertEquals("", lostUpdates("po"), "two sessions at once (seed " + seed + ")");
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_failed_events"),
                bus.one(bus.destination, "SELECT GROUP_CONCAT(DISTINCT reason) FROM bam_failed_events"));
    }

    /** A: begin, enable token, Customer; LAG instances later: Quantity, end. */
    private static List<DecodedEvent> streamA(String prefix, int instances) {
        OutboxEvents events = new OutboxEvents();
        for (int i = 0; i < instances + LAG; i++) {
            if (i < instances) {
                String id = prefix + "-" + i;
                events.add("BEGIN", id, "{}");
                events.add("ENABLE_CONTINUATION", id, "{\"token\":\"" + "token-" + prefix + "-" + i + "\"}");
                events.add("UPDATE", id, "{\"Customer\":\"c" + i + "\"}");
            }
            if (i >= LAG) {
                String id = prefix + "-" + (i - LAG);
                events.add("UPDATE", id, "{\"Quantity\":" + (i - LAG) + "}");
                events.add("END", id, "{}");
            }
        }
        return events.all();
    }

    /** B: Amount through the token, Weight on the instance itself, Step through the token, end of the token. */
    private static List<DecodedEvent> streamB(String prefix, int instances) {
        OutboxEvents events = new OutboxEvents();
        for (int i = 0; i < instances; i++) {
            String token = "token-" + prefix + "-" + i;
            events.add("UPDATE", token, "{\"Amount\":" + i + ".25}");
            events.add("UPDATE", prefix + "-" + i, "{\"Weight\":" + i + ".5}");
            events.add("UPDATE", token, "{\"Step\":" + i + "}");
            events.add("END", token, "{}");
        }
        return events.all();
    }

    /** Instances whose completed row lacks an item or that are not completed, as "figures: examples"; empty when none. */
    private String lostUpdates(String prefix) throws SQLException {
        int completed = 0;
        int wrong = 0;
        List<String> examples = new ArrayList<>();
        try (Connection connection = bus.destination.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT ActivityID, Customer, Quantity, Amount, Weight, Step"
                     + " FROM bam_PurchaseOrder_completed WHERE ActivityID LIKE '" + prefix + "-%'")) {
            while (rows.next()) {
                completed++;
                int i = Integer.parseInt(rows.getString(1).substring(prefix.length() + 1));
                boolean right = ("c" + i).equals(rows.getString(2)) && rows.getLong(3) == i && !rows.wasNull()
                        && new BigDecimal(i + ".25").equals(rows.getBigDecimal(4))
                        && rows.getDouble(5) == i + 0.5 && rows.getLong(6) == i && !rows.wasNull();
                if (!right) {
                    wrong++;
                    if (examples.size() < 3) {
                        examples.add(rows.getString(1) + "=" + rows.getString(2) + "|" + rows.getString(3) + "|"
                                + rows.getString(4) + "|" + rows.getString(5) + "|" + rows.getString(6));
                    }
                }
            }
        }
        long active = bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active WHERE ActivityID LIKE '" + prefix + "-%'");
        long tokens = bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_all_instances WHERE ActivityID LIKE 'token-"
                + prefix + "-%'");
        if (completed == INSTANCES && wrong == 0 && active == 0 && tokens == 0) {
            return "";
        }
        return "of " + INSTANCES + " instances " + completed + " completed, " + wrong + " of them with a wrong or missing item, "
                + active + " still active; " + tokens + " tokens taken for instances of their own; e.g. " + examples;
    }

    private long[] innodbCounters() throws SQLException {
        return new long[] {
                Long.parseLong(bus.one(bus.destination, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                        + " WHERE VARIABLE_NAME = 'INNODB_DEADLOCKS'")),
                Long.parseLong(bus.one(bus.destination, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                        + " WHERE VARIABLE_NAME = 'INNODB_ROW_LOCK_WAITS'"))};
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /**
     * One source's session: applies its stream in batches of random size, like a runner: after an
     * error it claims again and retries the batch (or skips it when the claim shows it committed).
     */
    private static final class Session {
        private final Applier applier;
        private final Random random;
        private int committed;
        private Checkpoint checkpoint;
        int errors;

        Session(Applier applier, long seed) {
            this.applier = applier;
            this.random = new Random(seed);
        }

        /** Applies {@code events}; with {@code upstream} (B after A) only those of instances A enabled. */
        Void applyAll(List<DecodedEvent> events, Session upstream) throws Exception {
            checkpoint = checkpoint == null ? applier.claim(1, false) : checkpoint;
            synchronized (this) {
                committed = 0;
            }
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            int done = 0;
            while (done < events.size()) {
                int end = Math.min(events.size(), done + 1 + random.nextInt(300));
                if (upstream != null) {
                    end = Math.min(end, upstream.awaitEnabledBeyond(done, deadline));
                }
                List<DecodedEvent> batch = events.subList(done, end);
                try {
                    checkpoint = applier.apply(1, checkpoint, batch).checkpoint();
                } catch (SQLException e) {
                    errors++;
                    long before = checkpoint.batchNo();
                    checkpoint = applier.claim(1, true);
                    if (checkpoint.batchNo() == before) {
                        if (System.nanoTime() > deadline) {
                            throw new AssertionError(applier.sessionId() + " still failing at the deadline", e);
                        }
                        continue;
                    }
                }
                done = end;
                synchronized (this) {
                    committed = done;
                    notifyAll();
                }
            }
            return null;
        }

        /**
         * Waits until this (A's) session committed the enables of instances whose events in B's
         * stream (4 per instance) lie beyond index {@code done}; returns the index B may go up to.
         */
        synchronized int awaitEnabledBeyond(int done, long deadline) throws InterruptedException {
            while (true) {
                int allowed = 4 * enabledInstances();
                if (allowed > done) {
                    return allowed;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("source B waited past the deadline for A's enable at its event " + done);
                }
                wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
        }

        /** Instances whose first part (begin, enable, Customer) A committed: 3 events each up to LAG, then blocks of 5. */
        private int enabledInstances() {
            if (committed <= 3 * LAG) {
                return committed / 3;
            }
            int rest = committed - 3 * LAG;
            return Math.min(INSTANCES, LAG + rest / 5 + (rest % 5 >= 3 ? 1 : 0));
        }
    }
}
