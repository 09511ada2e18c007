/** How the network is read on each system (Linux: {@code /proc/net} and {@code resolv.conf}). */
package io.sidestep.core.network.internal;
