/**
 * Running sessions: SessionScheduler (one Jet job pumping due sessions onto a fixed pool of
 * threads), SessionLoop (one session's steps), SessionRunner (a session under one epoch).
 */
package io.bambus.grid.runner;
