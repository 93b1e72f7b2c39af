/**
 * The Hazelcast member plugin: BusPlugin (the entry point hazelcast.yaml names) and BusMember (the
 * composition root of one member's bus).
 */
package io.bambus.grid;
