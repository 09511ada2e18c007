package io.sidestep.client.dial;

import io.netty.channel.ChannelFuture;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.rules.Decision;

/**
 * How the core answers the door a connection came in by. A door implements it once per connection:
 * SOCKS5 writes its reply codes; the HTTP door answers a CONNECT with a 200 or its failure page;
 * for plain HTTP, which reaches the core through an internal SOCKS5 hop, LittleProxy turns the
 * hop's reply codes into the request's answer (whose body the door then fills from this
 * connection's own failure, handed over by its hop).
 */
public interface DoorReply {

  /**
   * Tells the door's client that the tunnel is up. Once the returned future succeeds, the inbound
   * channel carries raw bytes only (the door's codec is gone) and its {@code AUTO_READ} is off.
   */
  ChannelFuture succeed();

  /**
   * Tells the door's client why the connection failed, then closes the inbound channel.
   *
   * @param decision where the router sent the connection; null when the router itself failed
   */
  void fail(Decision decision, DialException cause);

  /**
   * Whether the door may tell its client that the tunnel is up before a relay has answered ({@link
   * EarlyData}, the "fast open"). Then a relay's refusal reaches the client as a closed connection
   * instead of a reply code or an error page. Doors whose failure answer someone reads in full (the
   * HTTP door's internal hop, whose failure becomes a page) say no.
   */
  default boolean answersEarly() {
    return false;
  }
}
