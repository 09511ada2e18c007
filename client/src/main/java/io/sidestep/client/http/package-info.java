/**
 * The HTTP proxy door, built on LittleProxy: CONNECT and absolute-form HTTP, the PAC file, and
 * optional Basic proxy authentication. LittleProxy never connects anywhere but to the core: a
 * CONNECT, once parsed and authenticated, is handed to the core with its connection, and plain HTTP
 * goes through an internal loopback SOCKS5 listener of the core (with a random per-process
 * credential), so every connection goes through one routing core and LittleProxy never resolves a
 * destination name itself.
 */
package io.sidestep.client.http;
