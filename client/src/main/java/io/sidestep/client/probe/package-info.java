/**
 * The {@code probe} command's parts: reading a host list (a domain list or a Citizen Lab CSV),
 * probing each host the way the client judges traffic, and reporting (progress bar, summary table,
 * JSON).
 */
package io.sidestep.client.probe;
