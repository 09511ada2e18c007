/**
 * A fleet of relays that share one user base without a shared database: the operator's Ed25519
 * signing key ({@link io.sidestep.server.fleet.FleetKey}), the public key relays trust ({@link
 * io.sidestep.server.fleet.TrustKey}), the signed tokens that carry a user's name, limits and
 * expiry ({@link io.sidestep.server.fleet.SignedToken}), and the signed list of revoked users and
 * tokens relays reload ({@link io.sidestep.server.fleet.Revocations}).
 */
package io.sidestep.server.fleet;
