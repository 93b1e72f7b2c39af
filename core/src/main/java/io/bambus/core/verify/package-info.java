/**
 * The independent delivery check: replays moved events into a scratch destination and compares.
 */
package io.bambus.core.verify;
