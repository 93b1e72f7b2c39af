/**
 * The bus file: BusConfig and its sections, validated whole before anything starts; SessionSettings
 * and every default.
 */
package io.bambus.core.config;
