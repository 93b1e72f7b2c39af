package io.bambus.core.config;

import java.util.AbstractList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

/** The configured sources, unmodifiable, with a lookup by id: members look sources up per session, thousands at a time. */
final class SourceList extends AbstractList<SourceConfig> implements RandomAccess {

    private final List<SourceConfig> sources;
    private final Map<String, SourceConfig> byId = new HashMap<>();

    private SourceList(List<SourceConfig> sources) {
        this.sources = List.copyOf(sources);
        for (SourceConfig source : this.sources) {
            byId.putIfAbsent(source.id(), source);
        }
    }

    static List<SourceConfig> of(List<SourceConfig> sources) {
        return sources instanceof SourceList ? sources : new SourceList(sources);
    }

    SourceConfig byId(String id) {
        return byId.get(id);
    }

    @Override
    public SourceConfig get(int index) {
        return sources.get(index);
    }

    @Override
    public int size() {
        return sources.size();
    }
}
