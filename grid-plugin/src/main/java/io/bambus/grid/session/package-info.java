/**
 * Session records in the sessions map, their serializers, merge policy and entry processors
 * (epochs, progress, state).
 */
package io.bambus.grid.session;
