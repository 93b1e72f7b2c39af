/**
 * Every bam_* table's DDL, in the destination and the sources, and the deployer that creates and
 * alters them.
 */
package io.bambus.core.schema;
