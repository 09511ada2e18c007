/**
 * Relay access keys and the relay wire protocol: HTTP CONNECT inside TLS with Basic credentials.
 */
package io.sidestep.core.relay;
