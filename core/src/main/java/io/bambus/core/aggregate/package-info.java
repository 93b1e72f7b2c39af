/**
 * Real-time aggregations (BizTalk BAM's RTAs): a table per aggregation, kept in each batch's own
 * transaction by {@link io.bambus.core.aggregate.AggregationTable}, rebuilt from the activity's rows
 * by {@link io.bambus.core.aggregate.AggregationRebuild}, read by {@link io.bambus.core.aggregate.Aggregations}.
 */
package io.bambus.core.aggregate;
