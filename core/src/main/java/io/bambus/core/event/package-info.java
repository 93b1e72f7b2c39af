/**
 * The producer side: EventStream writes events into an outbox in the application's transaction;
 * EventDecoder parses a row's payload.
 */
package io.bambus.core.event;
