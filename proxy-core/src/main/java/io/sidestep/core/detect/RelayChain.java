package io.sidestep.core.detect;

import java.security.cert.X509Certificate;
import java.util.List;

/** The certificate chain the origin presented through the relay: the control for interception. */
public sealed interface RelayChain {

  /** The chain seen through the relay, leaf first. */
  record Seen(List<X509Certificate> chain) implements RelayChain {
    public Seen {
      chain = List.copyOf(chain);
    }
  }

  /** The relay could not be reached or could not complete the handshake. */
  record Failed(String reason) implements RelayChain {}

  /** The relay was not asked. */
  record NotChecked() implements RelayChain {}

  static RelayChain seen(List<X509Certificate> chain) {
    return new Seen(chain);
  }

  static RelayChain failed(String reason) {
    return new Failed(reason);
  }
}
