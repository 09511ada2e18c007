/**
 * Destinations and routes: every connection, whatever door it came in by, becomes a {@link
 * io.sidestep.core.route.Destination} and is given one {@link io.sidestep.core.route.Route}.
 */
package io.sidestep.core.route;
