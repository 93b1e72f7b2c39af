package io.bambus.grid.runner;

import io.bambus.core.db.SourcePools;
import io.bambus.core.runner.ClaimCombiner;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * The member's claim combiners, one per destination, source pool and source database: the sessions
 * whose first claims can go in one bulk claim. A few small objects for the member's life (one per
 * source database it has run sessions of).
 */
final class ClaimCombiners {

    private final Map<List<Object>, ClaimCombiner> combiners = new ConcurrentHashMap<>();

    ClaimCombiner of(DataSource destination, SourcePools.Lease source) {
        List<Object> key = java.util.Arrays.asList(destination, source.pool(), source.database());
        return combiners.computeIfAbsent(key, k -> new ClaimCombiner(destination));
    }
}
