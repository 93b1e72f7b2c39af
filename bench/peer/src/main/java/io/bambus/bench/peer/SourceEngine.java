package io.bambus.bench.peer;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Properties;
import javax.management.JMException;
import javax.management.ObjectName;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One source's Debezium engine (MariaDB connector, embedded, on a thread of its own) reading
 * {@code DATABASE.bam_outbox} from the binary log into its {@link PeerConsumer}.
 */
final class SourceEngine {

    private static final Logger LOG = LogManager.getLogger(SourceEngine.class);
    /** Debezium's default is 180 s; a stop that cannot end sooner is stuck. */
    private static final long STOP_TIMEOUT_MILLIS = 30_000;

    final PeerConfig.Source source;
    private final PeerConsumer consumer;
    private final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private final ObjectName streamingMetrics;
    private final Thread thread;

    SourceEngine(PeerConfig config, int index, DebeziumEngine.CompletionCallback completion) {
        this.source = config.sources().get(index);
        this.consumer = new PeerConsumer(new DestinationWriter(config, source.id()));
        // the Connect format hands over the connector's SourceRecord as is: no JSON on the way
        this.engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(properties(config, index))
                .using(completion)
                .notifying(consumer)
                .build();
        try {
            // the binlog connector's streaming metrics (Debezium's Metrics naming), registered when streaming starts
            this.streamingMetrics = new ObjectName("debezium.mariadb:type=connector-metrics,context=streaming,server="
                    + topicPrefix(source));
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
        this.thread = new Thread(engine, "peer-engine-" + source.id());
    }

    /**
     * The engine's settings. Documentation relied on: Debezium's "Debezium Engine" page (engine
     * properties, Handling Failures) and the MariaDB connector's page (snapshot.mode, required and
     * advanced connector properties, schema history properties), both at 3.5.
     */
    static Properties properties(PeerConfig config, int index) {
        PeerConfig.Source source = config.sources().get(index);
        Properties props = new Properties();
        props.setProperty("name", topicPrefix(source));
        props.setProperty("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
        // the engine's documented file store; an existing file is resumed from
        props.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        props.setProperty("offset.storage.file.filename", config.stateDir().resolve(source.id() + ".offsets").toString());
        // Debezium's default is 60 s. Shorter means fewer events applied again after a crash (at most what was
        // applied since the last flush), for one small file write per interval
        props.setProperty("offset.flush.interval.ms", Integer.toString(config.flushMillis()));

        props.setProperty("database.hostname", config.host());
        props.setProperty("database.port", Integer.toString(config.port()));
        props.setProperty("database.user", config.user());
        props.setProperty("database.password", config.password());
        // each engine joins the server as a replica of its own: ids must differ from the server's and each other's
        props.setProperty("database.server.id", Integer.toString(5400 + index));
        props.setProperty("topic.prefix", topicPrefix(source));
        props.setProperty("database.include.list", source.database());
        props.setProperty("table.include.list", source.database() + "\\.bam_outbox");
        // no existing row is read: streaming starts at the binlog position of the first start, and later starts
        // resume from the offsets file
        props.setProperty("snapshot.mode", "no_data");
        props.setProperty("schema.history.internal", "io.debezium.storage.file.history.FileSchemaHistory");
        props.setProperty("schema.history.internal.file.filename", config.stateDir().resolve(source.id() + ".history").toString());
        // the server holds every source and the destination: keep only this outbox's DDL, not the whole server's
        props.setProperty("schema.history.internal.store.only.captured.tables.ddl", "true");
        props.setProperty("schema.history.internal.store.only.captured.databases.ddl", "true");

        props.setProperty("max.batch.size", Integer.toString(config.batch()));
        // the connector requires a queue larger than a batch
        props.setProperty("max.queue.size", Integer.toString(4 * config.batch()));
        // Debezium's default is 500 ms: how long the connector waits for a batch to fill before handing over a short one.
        // Short intervals cost CPU even when idle: ChangeEventQueue.poll waits in whole milliseconds, then spins through
        // the sub-millisecond rest of each interval (measured idle: about a tenth of a core per engine at 5 ms, ~0 at 500)
        props.setProperty("poll.interval.ms", Integer.toString(config.pollMillis()));
        return props;
    }

    static String topicPrefix(PeerConfig.Source source) {
        return "peer_" + source.id();
    }

    void start() {
        thread.start();
    }

    /** Whether the connector reads the binlog now (its streaming metrics say Connected). */
    boolean streaming() {
        try {
            return Boolean.TRUE.equals(ManagementFactory.getPlatformMBeanServer().getAttribute(streamingMetrics, "Connected"));
        } catch (JMException notYetRegistered) {
            return false;
        }
    }

    /** Stops the engine after the batch in progress; the engine flushes the offsets of applied batches as it stops. */
    void stop() {
        consumer.stop();
        long deadline = System.currentTimeMillis() + STOP_TIMEOUT_MILLIS;
        while (true) {
            try {
                engine.close();
                break;
            } catch (IllegalStateException refused) {
                String why = String.valueOf(refused.getMessage());
                if (why.contains("already")) {
                    // it failed, and stopped itself
                    break;
                }
                // the engine refuses a stop while its tasks start (it would leak their connections): wait for them
                if (System.currentTimeMillis() > deadline || !why.contains("starting")) {
                    LOG.warn("Source {}: engine did not stop: {}", source.id(), why);
                    break;
                }
                sleep();
            } catch (IOException | RuntimeException e) {
                LOG.warn("Source {}: engine did not stop cleanly: {}", source.id(), e.toString());
                break;
            }
        }
        try {
            thread.join(STOP_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close();
        LOG.info("Source {}: {}", source.id(), consumer.counts());
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
