/**
 * What members accept from the network: the deserialization allow-list.
 */
package io.bambus.grid.security;
