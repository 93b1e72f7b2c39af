/**
 * The demo's own database, producers and status printing.
 */
package io.bambus.grid.demo;
