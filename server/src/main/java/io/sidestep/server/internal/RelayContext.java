package io.sidestep.server.internal;

import java.util.concurrent.Executor;

/**
 * What every connection's handlers share: who the users are, how to reach destinations, the decoy
 * site, the DNS-over-HTTPS responder and the pool for blocking work.
 */
public record RelayContext(
    Authenticator authenticator,
    Dialer dialer,
    DecoySite decoy,
    DohResponder doh,
    Executor blocking,
    long requestTimeoutMillis,
    long keepAliveTimeoutMillis) {}
