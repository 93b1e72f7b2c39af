/**
 * The destination side of a batch: Applier (one transaction with the checkpoint and the epoch
 * check), ActivityBatch (lock, load, write) around ActivityFold (the event rules), quarantine and
 * failed events.
 */
package io.bambus.core.apply;
