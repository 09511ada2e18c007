/** Address literals, CIDR blocks and the named address ranges that policies and checks use. */
package io.sidestep.core.net;
