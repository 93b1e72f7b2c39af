/**
 * Metrics: the member's figures, Hazelcast's metrics system, the Prometheus endpoint, and Metric,
 * every name and help text once.
 */
package io.bambus.grid.metrics;
