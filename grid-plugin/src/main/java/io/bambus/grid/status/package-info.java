/**
 * What a member publishes about itself for clients.
 */
package io.bambus.grid.status;
