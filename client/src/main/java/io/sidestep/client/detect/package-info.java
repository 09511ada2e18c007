/**
 * Interference detection in the running client: the {@link io.sidestep.client.dial.AutoRoute} for
 * destinations no rule names. It checks DNS against the relay, connects direct under watch, keeps
 * the user's first flight and replays it through the relay when a censor interferes, checks TLS
 * destinations for interception with a handshake of its own, and writes what it learned, with the
 * evidence, to the learned blocklist. The judgements themselves are the pure ones of {@link
 * io.sidestep.core.detect}; this package feeds them from Netty channels.
 */
package io.sidestep.client.detect;
