/**
 * Interference detection, pure: plain values in, judgements out, no Netty and no sockets. It tells
 * censorship from an outage by comparing what the direct path saw with what the relay (the control
 * vantage point) saw for the same step: DNS answers ({@link io.sidestep.core.detect.DnsJudge}), the
 * fate of a direct attempt ({@link io.sidestep.core.detect.AttemptJudge}), certificate chains
 * ({@link io.sidestep.core.detect.InterceptionCheck}), plain-HTTP responses ({@link
 * io.sidestep.core.detect.HttpDiff}, only for an answer that could be a censor's, {@link
 * io.sidestep.core.detect.SuspectAnswer}, so that an open site never reaches the relay; a page
 * matching {@link io.sidestep.core.detect.BlockFingerprints} needs no relay at all) and transfer
 * speed ({@link io.sidestep.core.detect.ThrottleJudge}, and for live traffic {@link
 * io.sidestep.core.detect.LiveThrottleJudge} against the user's {@link
 * io.sidestep.core.detect.LineRate} and the relay's speed sample, rechecked after a {@link
 * io.sidestep.core.detect.CheckBackoff}). What it concludes is written, with the evidence, to the
 * learned blocklist ({@link io.sidestep.core.detect.LearnedStore}). Technique numbers are defined
 * by {@link io.sidestep.core.detect.Technique}.
 */
package io.sidestep.core.detect;
