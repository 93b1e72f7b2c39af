package io.bambus.grid.security;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.ClassFilter;
import com.hazelcast.config.JavaSerializationFilterConfig;
import java.util.List;

/**
 * The classes a bus process accepts in Java-serialized form: Hazelcast's defaults ({@code com.hazelcast.},
 * {@code java*}, arrays) and the bus's own packages. The libraries shaded into the plugin
 * ({@code io.bambus.shaded}: Jackson, HikariCP) are left out on purpose. Members get it from
 * scripts/config/hazelcast.yaml (a test keeps the two equal); the UI and the CLI set it on their clients.
 */
public final class SerializationAllowlist {

    /**
     * What travels Java-serialized: the placement plan, the rarer entry processors, tasks, the merge
     * policy, Jet job parts (session records and their frequent updates have serializers of their own).
     */
    public static final List<String> PREFIXES = List.of("io.bambus.core.", "io.bambus.grid.");

    /** A class of the bus's that a filter must let through (any would do: the prefixes are what is checked). */
    static final String PROBE = "io.bambus.grid.placement.PlacementPlan";

    private SerializationAllowlist() {
    }

    /** The filter: Hazelcast's defaults kept, plus {@link #PREFIXES}. */
    public static JavaSerializationFilterConfig filter() {
        JavaSerializationFilterConfig filter = new JavaSerializationFilterConfig().setDefaultsDisabled(false);
        filter.getWhitelist().addPrefixes(PREFIXES.toArray(String[]::new));
        return filter;
    }

    /** Sets {@link #filter()} on a client's configuration; returns it. */
    public static ClientConfig apply(ClientConfig client) {
        client.getSerializationConfig().setJavaSerializationFilterConfig(filter());
        return client;
    }

    /**
     * What is wrong with a member's filter, with the fix, or null when it is fine; {@code missing} when
     * it filters nothing (no filter, or defaults disabled and no whitelist).
     */
    public static String problem(JavaSerializationFilterConfig filter) {
        if (filter == null || filter.isDefaultsDisabled() && filter.getWhitelist().isEmpty()) {
            return "missing";
        }
        ClassFilter blacklist = filter.getBlacklist();
        if (blacklist.isListed(PROBE) || !filter.getWhitelist().isListed(PROBE)) {
            return "serialization.java-serialization-filter does not allow the bus's classes (e.g. " + PROBE + "); add the"
                    + " prefixes " + PREFIXES + " to its whitelist and keep them off its blacklist";
        }
        return null;
    }
}
