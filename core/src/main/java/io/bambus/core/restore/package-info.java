/**
 * What a destination restored from a backup needs replayed, and whether the sources still hold it.
 */
package io.bambus.core.restore;
