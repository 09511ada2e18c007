package io.sidestep.core.detect;

import io.sidestep.core.detect.internal.FlightParser;
import java.util.Optional;
import java.util.Set;

/**
 * What the first bytes a user sent on a connection are, and whether they may be sent again through
 * the relay when the direct path fails before answering. A TLS ClientHello carries no application
 * data, and GET, HEAD and OPTIONS are idempotent, so replaying those is safe; POST, PATCH and every
 * other method are not.
 *
 * <p>{@link #inspect} is bounded and never throws: a ClientHello larger than {@link
 * #MAX_CLIENT_HELLO} bytes or a request head larger than {@link #MAX_REQUEST_HEAD} bytes is {@link
 * Unknown}. Bytes that end too early (a ClientHello split over several reads) give {@link
 * NeedMore}; call again with more.
 */
public sealed interface FirstFlight {

  /** Largest ClientHello, records included, that is recognised: 64 KiB. */
  int MAX_CLIENT_HELLO = 65536;

  /** Largest HTTP request head (request line and headers) that is recognised: 16 KiB. */
  int MAX_REQUEST_HEAD = 16384;

  /** Methods whose requests are replayed: GET, HEAD, OPTIONS. */
  Set<String> REPLAYABLE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

  /** The bytes so far are a plausible start of a ClientHello or a request, but end too early. */
  record NeedMore() implements FirstFlight {}

  /**
   * A complete TLS ClientHello; {@code length} counts its bytes, TLS records included, and {@code
   * serverName} is the SNI host name, lower case, if one was sent.
   */
  record ClientHello(Optional<String> serverName, int length) implements FirstFlight {}

  /**
   * A complete HTTP/1.x request head; {@code host} is the Host header (or the authority of an
   * absolute-form target), lower case, without a port.
   */
  record HttpRequest(String method, String target, Optional<String> host, int headLength)
      implements FirstFlight {}

  /** Neither: another protocol, garbage, or too large. Never replayed. */
  record Unknown(String reason) implements FirstFlight {}

  /** Inspects {@code data[offset, offset+length)}. Never throws on bad input. */
  static FirstFlight inspect(byte[] data, int offset, int length) {
    return FlightParser.inspect(data, offset, length);
  }

  static FirstFlight inspect(byte[] data) {
    return inspect(data, 0, data.length);
  }

  /** Whether these bytes may be sent again through the relay after the direct path failed. */
  default boolean replayable() {
    return this instanceof ClientHello
        || (this instanceof HttpRequest r && REPLAYABLE_METHODS.contains(r.method()));
  }

  /** Whether more bytes are needed to tell. */
  default boolean incomplete() {
    return this instanceof NeedMore;
  }

  /** The host named in the flight (SNI or Host), if any. */
  default Optional<String> namedHost() {
    if (this instanceof ClientHello c) {
      return c.serverName();
    }
    if (this instanceof HttpRequest r) {
      return r.host();
    }
    return Optional.empty();
  }

  /** For evidence text: {@code ClientHello}, {@code GET request}, {@code first bytes}. */
  default String describe() {
    if (this instanceof ClientHello) {
      return "ClientHello";
    }
    if (this instanceof HttpRequest r) {
      return r.method() + " request";
    }
    return "first bytes";
  }
}
