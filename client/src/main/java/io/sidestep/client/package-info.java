/**
 * The Sidestep client: {@link io.sidestep.client.Client} starts the HTTP and SOCKS5 doors on one
 * routing core and is the in-process API that the command line and the tests use.
 */
package io.sidestep.client;
