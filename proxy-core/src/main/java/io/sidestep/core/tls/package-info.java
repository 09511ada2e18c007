/** TLS helpers: certificate generation with Bouncy Castle, PEM files, public-key pinning. */
package io.sidestep.core.tls;
