package io.bambus.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.config.ClientConnectionStrategyConfig;
import com.hazelcast.core.HazelcastInstance;
import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.alert.OpenAlerts;
import io.bambus.core.apply.FailedEvents;
import io.bambus.core.config.ConfigException;
import io.bambus.core.config.DatabaseConfig;
import io.bambus.core.db.Pools;
import io.bambus.grid.ops.BusOperations;
import io.bambus.grid.security.SerializationAllowlist;
import io.bambus.grid.session.SessionRecord;
import io.bambus.ui.data.ActivityQueries;
import io.bambus.ui.live.LiveState;
import io.bambus.ui.metrics.BusMetrics;
import io.bambus.ui.web.WebApp;
import io.javalin.Javalin;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The management UI process: a Hazelcast client of the bus's cluster (it reconnects by itself
 * and survives the loss of any member), a read-only pool on the destination, the live state
 * poller and the web server. {@link #close()} stops them in reverse order.
 */
public final class ManagementUi implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(ManagementUi.class);

    private final UiConfig config;
    private final LongSupplier clock;
    private HazelcastInstance client;
    private HikariDataSource destination;
    private LiveState live;
    private Javalin web;

    public ManagementUi(UiConfig config) {
        this(config, System::currentTimeMillis);
    }

    /** A UI whose login sessions age by {@code clock} (tests move it to expire sessions). */
    public ManagementUi(UiConfig config, LongSupplier clock) {
        this.config = config;
        this.clock = clock;
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: ManagementUi <ui.yaml>   (scripts/start-ui.sh passes it)");
            System.exit(2);
        }
        UiConfig config;
        try {
            config = UiConfig.load(Path.of(args[0]));
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        ManagementUi ui = new ManagementUi(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ui.close();
            stopped.countDown();
        }, "bambus-ui-shutdown"));
        ui.start();
        stopped.await();
    }

    public synchronized ManagementUi start() {
        ObjectMapper json = new ObjectMapper().findAndRegisterModules();
        client = HazelcastClient.newHazelcastClient(clientConfig(config));
        // read-only: the UI never writes the destination (retries run on a member)
        DatabaseConfig db = config.destination();
        destination = Pools.open("bambus-ui-destination", db, true);
        BusOperations ops = new BusOperations(client, config.sessionsMap());
        live = new LiveState(ops, json);
        OpenAlerts alerts = new OpenAlerts(destination);
        BusMetrics metrics = new BusMetrics(live, () -> {
            var map = ops.sessionsMap();
            return map.getAll(map.keySet());
        }, () -> {
            try {
                return alerts.openCounts();
            } catch (SQLException e) {
                LOG.debug("Open alerts not counted for /metrics: {}", e.toString());
                return null;
            }
        });
        WebApp app = new WebApp(config, ops, live, new FailedEvents(destination), new ActivityQueries(destination), alerts, metrics,
                json, () -> client.getLifecycleService().isRunning() && !client.getCluster().getMembers().isEmpty(), clock);
        web = app.create().start();
        live.start();
        LOG.info("Management UI listening on http://{}:{}/ (cluster '{}' at {}, destination {})", config.host(), web.port(),
                config.clusterName(), config.clusterAddresses(), db.jdbcUrl());
        return this;
    }

    public int port() {
        return web.port();
    }

    /** Event streams open now, for tests. */
    public int streams() {
        return live.streams();
    }

    /** The client's view of the sessions map, for tests. */
    public java.util.Map<String, SessionRecord> sessions() {
        return client.getMap(config.sessionsMap());
    }

    static ClientConfig clientConfig(UiConfig config) {
        // it reads session records and statuses: Java deserialization of the bus's and Hazelcast's classes only
        ClientConfig client = SerializationAllowlist.apply(new ClientConfig());
        client.setClusterName(config.clusterName());
        client.setInstanceName("bambus-ui-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        client.getNetworkConfig().setAddresses(config.clusterAddresses());
        // start even when no member answers yet, and never give up reconnecting: pages say the cluster is unreachable
        ClientConnectionStrategyConfig strategy = client.getConnectionStrategyConfig();
        strategy.setAsyncStart(true);
        strategy.setReconnectMode(ClientConnectionStrategyConfig.ReconnectMode.ASYNC);
        strategy.getConnectionRetryConfig().setClusterConnectTimeoutMillis(-1).setMaxBackoffMillis(5_000);
        client.setProperty("hazelcast.logging.type", "log4j2");
        return client;
    }

    @Override
    public synchronized void close() {
        if (live != null) {
            live.close();
            live = null;
        }
        if (web != null) {
            web.stop();
            web = null;
        }
        if (client != null) {
            client.shutdown();
            client = null;
        }
        if (destination != null) {
            destination.close();
            destination = null;
        }
        LOG.info("Management UI stopped");
    }
}
