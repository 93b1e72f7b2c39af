/**
 * Connection pools: the destination pool, the source pools shared per server, the embedded MariaDB
 * for demos and tests.
 */
package io.bambus.core.db;
