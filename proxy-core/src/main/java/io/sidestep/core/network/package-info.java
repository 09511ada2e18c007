/**
 * Which network the computer is on now, told without asking anyone outside it: the default gateway,
 * its hardware address and the local resolvers ({@link io.sidestep.core.network.NetworkSource})
 * make a stable short id and a label ({@link io.sidestep.core.network.Network}); {@link
 * io.sidestep.core.network.CurrentNetwork} follows it as a laptop moves, so that what detection
 * learned on one network applies on that network only.
 */
package io.sidestep.core.network;
