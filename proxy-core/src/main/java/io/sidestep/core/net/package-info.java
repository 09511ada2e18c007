/**
 * Address literals, CIDR blocks and the named address ranges that policies and checks use; the
 * printable form of raw network input for log lines ({@link io.sidestep.core.net.Printable}); the
 * {@link io.sidestep.core.net.Resolver} that turns names into addresses, and the {@link
 * io.sidestep.core.net.Failure} kinds that say why a connection or a look-up failed.
 */
package io.sidestep.core.net;
