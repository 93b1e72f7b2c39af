/**
 * The member's small duties: the bus file watcher, the definitions deployer, the status publisher,
 * and OwnerDuty, the helper that runs a duty on exactly one member.
 */
package io.bambus.grid.duty;
