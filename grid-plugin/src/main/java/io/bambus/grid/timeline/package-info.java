/**
 * The cluster's timeline of joins, losses and session moves, in a ringbuffer.
 */
package io.bambus.grid.timeline;
