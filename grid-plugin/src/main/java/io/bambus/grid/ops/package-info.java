/**
 * Operator commands sent to the cluster (pause, resume, move, failed events, drills).
 */
package io.bambus.grid.ops;
