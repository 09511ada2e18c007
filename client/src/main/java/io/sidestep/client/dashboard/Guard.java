package io.sidestep.client.dashboard;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.sidestep.core.net.IpLiterals;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;

/**
 * The dashboard's defences on localhost, where any page the user visits can send requests to the
 * door. A request must name the door by {@code localhost} or its own address in {@code Host} (so a
 * rebound DNS name reaches nothing), and a state-changing call must carry this process's token in
 * {@code X-Sidestep-Token} and come from the dashboard's own {@code Origin}. The token is in the
 * dashboard's page, which another origin cannot read (no CORS header is ever sent).
 */
final class Guard {

  /** The header that carries the token. */
  static final String TOKEN_HEADER = "X-Sidestep-Token";

  private final String token;

  Guard() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    this.token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  String token() {
    return token;
  }

  /**
   * Whether {@code Host} names this door: {@code localhost} or the address the connection came in
   * on, with the door's port or none.
   */
  static boolean hostAllowed(HttpRequest request, InetSocketAddress local) {
    String host = request.headers().get(HttpHeaderNames.HOST);
    if (host == null || host.isEmpty()) {
      return false;
    }
    host = host.toLowerCase(Locale.ROOT);
    String name = host;
    String port = null;
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      if (close < 0) {
        return false;
      }
      name = host.substring(1, close);
      if (close + 1 < host.length()) {
        if (host.charAt(close + 1) != ':') {
          return false;
        }
        port = host.substring(close + 2);
      }
    } else {
      int colon = host.lastIndexOf(':');
      if (colon >= 0) {
        name = host.substring(0, colon);
        port = host.substring(colon + 1);
      }
    }
    if (port != null && !port.equals(Integer.toString(local.getPort()))) {
      return false;
    }
    if (name.equals("localhost")) {
      return true;
    }
    if (!IpLiterals.isIpLiteral(name)) {
      return false;
    }
    return IpLiterals.parse(name).equals(local.getAddress());
  }

  /**
   * Whether a state-changing request is allowed: a POST with the token and an {@code Origin} that
   * is this dashboard's ({@code http://} and the request's already checked {@code Host}).
   */
  boolean changeAllowed(HttpRequest request) {
    if (!request.method().equals(HttpMethod.POST)) {
      return false;
    }
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    String host = request.headers().get(HttpHeaderNames.HOST);
    if (origin == null || host == null || !origin.equalsIgnoreCase("http://" + host)) {
      return false;
    }
    String given = request.headers().get(TOKEN_HEADER);
    return given != null
        && MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
  }
}
