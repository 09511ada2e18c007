/**
 * Address literals, CIDR blocks and the named address ranges that policies and checks use, and the
 * printable form of raw network input for log lines ({@link io.sidestep.core.net.Printable}).
 */
package io.sidestep.core.net;
