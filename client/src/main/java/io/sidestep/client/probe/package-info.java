/**
 * The {@code probe} command's parts: reading a host list (a domain list or a Citizen Lab CSV),
 * probing each host with the steps the client judges traffic with ({@link
 * io.sidestep.client.detect.Steps}), and reporting (progress bar, summary table, JSON).
 */
package io.sidestep.client.probe;
