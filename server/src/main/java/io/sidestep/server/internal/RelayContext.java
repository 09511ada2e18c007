package io.sidestep.server.internal;

import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * What every connection's handlers share: who the users are, how to reach destinations, the decoy
 * site (or the web server strangers are handed to, when {@code fallback} is not null), the
 * DNS-over-HTTPS responder, the pool for blocking work, the timeouts, whether connection log lines
 * name destinations, and the users' limits and usage.
 */
public record RelayContext(
    Authenticator authenticator,
    DestinationDialer dialer,
    DecoySite decoy,
    DohResponder doh,
    Executor blocking,
    long requestTimeoutMillis,
    long keepAliveTimeoutMillis,
    InetSocketAddress fallback,
    boolean logDestinations,
    Accounts accounts,
    Metrics metrics) {}
