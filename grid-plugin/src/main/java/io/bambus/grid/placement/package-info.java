/**
 * Who runs what: PlacementLoop (the member's rounds), Coordinator (which plan, the deciding member,
 * the split guard), Reconciler (runners and epochs to match the plan), and the rules: Decider and
 * Balancer.
 */
package io.bambus.grid.placement;
