package io.sidestep.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a host name into addresses. The relay calls it on a small thread pool, never on an event
 * loop, so implementations may block.
 *
 * <p>The default, {@link #system()}, is the JVM's resolver ({@code /etc/hosts}, then the system's
 * DNS servers). Tests pass a fake that maps names to fixed addresses.
 */
@FunctionalInterface
public interface Resolver {

  /**
   * Every address of {@code host}, in the order to try them.
   *
   * @throws UnknownHostException when the name does not exist or has no address
   */
  List<InetAddress> resolve(String host) throws UnknownHostException;

  /** The JVM's resolver, {@link InetAddress#getAllByName}. */
  static Resolver system() {
    return host -> Arrays.asList(InetAddress.getAllByName(host));
  }
}
