/**
 * The session protocol shared by the source and destination sides: the checkpoint of record, seq
 * ranges, the outbox event, and the exceptions of fencing, mismatch and outbox identity.
 */
package io.bambus.core.session;
