/**
 * Interference detection in the running client: the {@link io.sidestep.client.dial.AutoRoute} for
 * destinations no rule names. It checks DNS against the relay, connects direct under watch, keeps
 * the user's first flight and replays it through the relay when a censor interferes (racing the
 * still-open direct path when it is only silent, so that a slow site is not learned), shows the
 * relay a plain-HTTP answer only when it could be a censor's, checks TLS destinations for
 * interception with a handshake of its own, measures direct transfers while they run and compares a
 * slow host with the user's line and the relay's speed sample (throttling), and writes what it
 * learned, with the evidence, to the learned blocklist. The steps are written once, in {@link
 * io.sidestep.client.detect.Steps}, which the {@code probe} command drives too, so both reach the
 * same verdict; the judgements themselves are the pure ones of {@link io.sidestep.core.detect}.
 * Technique numbers are defined by {@link io.sidestep.core.detect.Technique}.
 */
package io.sidestep.client.detect;
