/**
 * The source side of a session: OutboxReader reads unmoved rows in seq order, detects held seqs,
 * marks batches moved, purges, and claims the outbox under the session's epoch.
 */
package io.bambus.core.outbox;
