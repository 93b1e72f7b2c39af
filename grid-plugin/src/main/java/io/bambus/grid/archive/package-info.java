/**
 * The archive duty: the archiver on the one member that owns its partition.
 */
package io.bambus.grid.archive;
