/**
 * The alerts duty: evaluation and sending on the one member that owns its partition.
 */
package io.bambus.grid.alert;
