package io.sidestep.client.http;

import io.sidestep.client.socks.SocksLogin;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.rules.Decision;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.littleshoot.proxy.ChainedProxy;
import org.littleshoot.proxy.ChainedProxyAdapter;
import org.littleshoot.proxy.ChainedProxyType;

/**
 * The HTTP door's hops into the core for plain HTTP: one internal SOCKS5 connection per upstream
 * connection LittleProxy makes (a CONNECT needs none, see {@link HandOff}). A hop's SOCKS5 user
 * name is the address of the browser connection it serves, and its password a random secret of this
 * door; the core's failure of a hop is kept under that name until the browser connection's error
 * page takes it, so each connection gets its own reason and never another's.
 */
final class Hops {

  /** One hop's failure: where the router sent it (null when the router failed) and why. */
  record Failure(Decision decision, DialException cause) {}

  private final byte[] secret;
  private final ConcurrentMap<String, Failure> failed = new ConcurrentHashMap<>();

  /** Hops with a new random secret. */
  Hops() {
    byte[] s = new byte[18];
    new SecureRandom().nextBytes(s);
    this.secret = Base64.getUrlEncoder().encode(s);
  }

  /**
   * The one upstream of a LittleProxy connection serving the browser at {@code client}: the core's
   * internal SOCKS5 listener at {@code core}.
   */
  ChainedProxy open(InetSocketAddress core, InetSocketAddress client) {
    String user = name(client);
    failed.remove(user); // a failure of an earlier hop of this connection was answered already
    return new CoreHop(core, user);
  }

  /** What the core's internal SOCKS5 listener admits: a hop with this door's secret. */
  SocksLogin login() {
    return (user, password) ->
        MessageDigest.isEqual(password.getBytes(StandardCharsets.UTF_8), secret)
            ? Optional.of((decision, cause) -> failed.put(user, new Failure(decision, cause)))
            : Optional.empty();
  }

  /** The failure of the hop serving the browser at {@code client}, once. */
  Optional<Failure> take(SocketAddress client) {
    return client instanceof InetSocketAddress a
        ? Optional.ofNullable(failed.remove(name(a)))
        : Optional.empty();
  }

  private static String name(InetSocketAddress a) {
    String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    return host + "/" + a.getPort();
  }

  /** LittleProxy's upstream for one connection: the core's internal SOCKS5 listener. */
  private final class CoreHop extends ChainedProxyAdapter {
    private final InetSocketAddress core;
    private final String user;

    CoreHop(InetSocketAddress core, String user) {
      this.core = core;
      this.user = user;
    }

    @Override
    public InetSocketAddress getChainedProxyAddress() {
      return core;
    }

    @Override
    public ChainedProxyType getChainedProxyType() {
      return ChainedProxyType.SOCKS5;
    }

    @Override
    public String getUsername() {
      return user;
    }

    @Override
    public String getPassword() {
      return new String(secret, StandardCharsets.UTF_8);
    }
  }
}
