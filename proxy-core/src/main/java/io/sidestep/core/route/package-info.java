/**
 * Destinations: every connection, whatever door it came in by, becomes a {@link
 * io.sidestep.core.route.Destination}, which the {@link io.sidestep.core.rules.Router} gives one
 * {@link io.sidestep.core.rules.Decision}.
 */
package io.sidestep.core.route;
