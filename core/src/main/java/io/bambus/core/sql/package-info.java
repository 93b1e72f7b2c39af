/**
 * The one validator and quoting of identifiers that reach SQL, and times as the columns take them.
 */
package io.bambus.core.sql;
