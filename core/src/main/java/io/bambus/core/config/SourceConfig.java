package io.bambus.core.config;

/** One source database and its outbox table; one session moves its events. */
public record SourceConfig(String id, DatabaseConfig database, String outboxTable, boolean enabled) {
}
