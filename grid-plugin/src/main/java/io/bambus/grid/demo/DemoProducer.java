package io.bambus.grid.demo;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.SourceConfig;
import io.bambus.core.db.Pools;
import io.bambus.core.event.EventStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Plays the applications of the demo: writes orders into every source of the bus configuration,
 * each order's events in the application's own transactions, at a steady rate until stopped.
 *
 * <p>Arguments: bus configuration file, orders per second per source.
 */
public final class DemoProducer {

    public static void main(String[] args) throws Exception {
        BusConfig config = BusConfig.load(Path.of(args[0]));
        int perSecond = Integer.parseInt(args[1]);
        List<Thread> threads = new ArrayList<>();
        for (SourceConfig source : config.sources()) {
            Thread thread = new Thread(() -> produce(source, perSecond), "produce-" + source.id());
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }

    private static void produce(SourceConfig source, int perSecond) {
        long pauseNanos = 1_000_000_000L / Math.max(1, perSecond);
        // ids unique per run: a rerun of the demo keeps the database of the last one
        String run = Long.toString(System.currentTimeMillis() / 1000, 36);
        try (HikariDataSource pool = Pools.open("demo-" + source.id(), source.database());
             Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            for (long n = 0; !Thread.currentThread().isInterrupted(); n++) {
                long started = System.nanoTime();
                String id = source.id() + "-" + run + "-" + n;
                try (EventStream events = EventStream.on(connection)) {
                    events.beginActivity("Order", id).updateActivity("Order", id, "Customer", "Customer " + (n % 97),
                            "Amount", BigDecimal.valueOf(n % 1000, 1), "Placed", Instant.now());
                }
                connection.commit();
                // one order in ten stays open, the others ship
                if (n % 10 != 0) {
                    try (EventStream events = EventStream.on(connection)) {
                        events.updateActivity("Order", id, "Shipped", Instant.now()).endActivity("Order", id);
                    }
                    connection.commit();
                }
                long left = pauseNanos - (System.nanoTime() - started);
                if (left > 0) {
                    Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.err.println("producer for " + source.id() + " stopped: " + e);
        }
    }
}
