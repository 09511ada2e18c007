/**
 * The proxy auto-configuration (PAC) file the HTTP door serves at {@code /proxy.pac}: everything
 * through the client, with no DIRECT fallback, except local names.
 */
package io.sidestep.client.pac;
