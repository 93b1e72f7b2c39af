/**
 * The online window: moves completed instances older than the window into archive tables.
 */
package io.bambus.core.archive;
