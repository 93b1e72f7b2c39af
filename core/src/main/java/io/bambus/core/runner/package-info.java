/**
 * One session moving events, with no Hazelcast: SessionMover (claim, then read, decode, apply,
 * mark) and ClaimCombiner (many first claims in one).
 */
package io.bambus.core.runner;
