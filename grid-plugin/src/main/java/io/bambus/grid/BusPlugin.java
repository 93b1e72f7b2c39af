package io.bambus.grid;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.core.LifecycleListener;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.alert.AlertRules;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.ConfigException;
import io.bambus.core.config.Secrets;
import io.bambus.grid.security.SerializationAllowlist;
import io.bambus.grid.session.RecordSerializers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The plugin's entry point, named in the member's hazelcast.yaml:
 *
 * <pre>
 * hazelcast:
 *   listeners:
 *     - io.bambus.grid.BusPlugin
 *   properties:
 *     bambus.config: /etc/bambus/bus.yaml
 * </pre>
 *
 * The bus configuration is validated while the member starts (an invalid one stops the member
 * with the list of problems); the bus starts once the member has joined. On a graceful shutdown
 * the member's sessions move to the other members first, each after its in-flight batch.
 */
public final class BusPlugin implements HazelcastInstanceAware, LifecycleListener, MembershipListener {

    /** Member property (or system property) naming the bus configuration file. */
    public static final String CONFIG_PROPERTY = "bambus.config";
    /**
     * Member property (or system property) giving this member's Prometheus endpoint port instead of
     * the bus file's {@code metrics.port}: for several members on one host, which share one bus file.
     */
    public static final String METRICS_PORT_PROPERTY = "bambus.metrics.port";

    private static final Logger LOG = LogManager.getLogger(BusPlugin.class);
    private static final Duration SECRETS_DEADLINE = Duration.ofSeconds(10);

    private volatile BusMember member;

    @Override
    public void setHazelcastInstance(HazelcastInstance hz) {
        // runs before the member joins: validate only, start nothing
        String path = hz.getConfig().getProperty(CONFIG_PROPERTY);
        if (path == null || path.isBlank()) {
            throw new ConfigException("(none)", List.of(CONFIG_PROPERTY + ": not set; add it under 'properties:' in "
                    + "hazelcast.yaml (or -D" + CONFIG_PROPERTY + "=...) with the path of the bus configuration file"));
        }
        // Hazelcast makes one instance of this class per listener type it implements: read once
        if ("stdin".equals(System.getProperty(Secrets.PROPERTY)) && !Secrets.given()) {
            Map<String, String> secrets = Secrets.read(System.in, SECRETS_DEADLINE);
            Secrets.handOver(secrets);
            LOG.info("{} secrets read from standard input; the bus file names them with passwordSecret", secrets.size());
        }
        BusConfig config = BusConfig.load(Path.of(path));
        warnReadableSecrets(path, config);
        AlertRules.check(path, config.alerts(), DefinitionFile.read(config.definitions()), config.definitions().toString());
        if (!hz.getConfig().getJetConfig().isEnabled()) {
            throw new ConfigException(path, List.of("Hazelcast Jet is disabled; set 'jet: enabled: true' in hazelcast.yaml"));
        }
        String filter = SerializationAllowlist.problem(hz.getConfig().getSerializationConfig().getJavaSerializationFilterConfig());
        if ("missing".equals(filter)) {
            LOG.warn("This member deserializes any Java class a client or member sends; add serialization:"
                    + " java-serialization-filter to hazelcast.yaml as scripts/config/hazelcast.yaml does (docs/security.md)");
        } else if (filter != null) {
            throw new ConfigException("hazelcast.yaml", List.of(filter));
        }
        String serializers = RecordSerializers.problem(hz);
        if (serializers != null) {
            throw new ConfigException("the member's class path", List.of(serializers));
        }
        Callbacks.reuseThreads();
        member = new BusMember(hz, Path.of(path), config, metrics(hz, path, config));
    }

    /** One line at start when a password is where a Jet job through the client port can read it. */
    private static void warnReadableSecrets(String path, BusConfig config) {
        List<String> readable = Stream.concat(Stream.of(Map.entry("destination", config.destination().password())),
                        config.sources().stream().map(source -> Map.entry("sources[" + source.id() + "]",
                                source.database().password())))
                .filter(entry -> !entry.getValue().isEmpty() && !Secrets.handedOverValue(entry.getValue()))
                .map(Map.Entry::getKey).toList();
        if (!readable.isEmpty()) {
            LOG.warn("The passwords of {} in {} come from the bus file, a passwordFile or an environment variable: a Jet job"
                    + " submitted through the client port can read them; give them with passwordSecret and start-member.sh"
                    + " --secrets FILE (docs/security.md)", readable, path);
        }
    }

    private static BusConfig.Metrics metrics(HazelcastInstance hz, String path, BusConfig config) {
        String port = hz.getConfig().getProperty(METRICS_PORT_PROPERTY);
        if (port == null || port.isBlank()) {
            return config.metrics();
        }
        try {
            int value = Integer.parseInt(port.trim());
            if (value >= 0 && value <= 65_535) {
                return new BusConfig.Metrics(value, config.metrics().host());
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(path, List.of(METRICS_PORT_PROPERTY + ": '" + port + "' is not a port; give a whole number"
                + " from 0 to 65535 for this member's Prometheus endpoint (it overrides metrics.port of the bus file)"));
    }

    @Override
    public void stateChanged(LifecycleEvent event) {
        BusMember bus = member;
        if (bus == null) {
            return;
        }
        switch (event.getState()) {
            case STARTED -> bus.start();
            case SHUTTING_DOWN -> bus.leaving();
            case SHUTDOWN -> bus.shutdown();
            case MERGED -> bus.merged();
            default -> {
            }
        }
    }

    @Override
    public void memberAdded(MembershipEvent event) {
        wake();
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
        BusMember bus = member;
        if (bus != null) {
            bus.memberLeft(event.getMember());
        }
    }

    private void wake() {
        BusMember bus = member;
        if (bus != null) {
            bus.wake();
        }
    }
}
