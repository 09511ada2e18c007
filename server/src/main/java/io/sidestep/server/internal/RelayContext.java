package io.sidestep.server.internal;

import java.util.concurrent.Executor;

/**
 * What every connection's handlers share: who the users are, how to reach destinations, the decoy
 * site, the DNS-over-HTTPS responder, the pool for blocking work, whether connection log lines name
 * destinations, and the users' limits and usage.
 */
public record RelayContext(
    Authenticator authenticator,
    Dialer dialer,
    DecoySite decoy,
    DohResponder doh,
    Executor blocking,
    int maxHeaders,
    long requestTimeoutMillis,
    boolean logDestinations,
    Accounts accounts,
    Metrics metrics) {}
