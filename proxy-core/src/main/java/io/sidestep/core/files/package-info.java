/**
 * Durable file writes: state files (users, learned blocklist, keys) are replaced atomically so a
 * crash never leaves a torn or empty file behind.
 */
package io.sidestep.core.files;
