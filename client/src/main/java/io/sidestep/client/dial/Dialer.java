package io.sidestep.client.dial;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.route.Destination;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Opens raw byte-stream channels to destinations, straight or through a relay.
 *
 * <p>Every channel it returns is connected, registered on the event loop it was given (the inbound
 * connection's, so that splicing needs no cross-thread hand-off), has {@code AUTO_READ} off, and
 * carries exactly the destination's bytes: for a relay the TLS and the CONNECT exchange are done
 * and what remains of the pipeline is the TLS handler. Bytes the far end sent early are held by a
 * handler named {@link io.sidestep.core.netty.HeldBytes#NAME} until {@link
 * io.sidestep.core.netty.Splice} (or a caller) takes over. Futures fail with a {@link
 * DialException}. {@link #VIA} on the channel says which path it is.
 */
public interface Dialer {

  /** Set on every channel a dialer returns: {@code direct} or {@code relay 'LABEL'}. For logs. */
  AttributeKey<String> VIA = AttributeKey.valueOf("sidestep.via");

  /** The resolver used for direct traffic. */
  Resolver resolver();

  /**
   * Resolves a destination for a direct connection: an IP literal without any look-up, a name with
   * {@link #resolver()}. Completes on a resolver thread; fails with a {@link DialException} of kind
   * {@code NAME_NOT_RESOLVED}.
   */
  CompletableFuture<List<InetAddress>> resolveDirect(Destination destination);

  /**
   * Connects straight to {@code destination} at the given addresses, trying each in turn with
   * {@code timeout} per attempt.
   */
  Future<Channel> connectDirect(
      EventLoop loop, Destination destination, List<InetAddress> addresses, Duration timeout);

  /** As above with the dialer's default connect timeout (10 s unless configured). */
  Future<Channel> connectDirect(
      EventLoop loop, Destination destination, List<InetAddress> addresses);

  /**
   * Opens a tunnel to {@code destination} through a relay, failing over between relays. The name is
   * sent to the relay as it is and never resolved locally.
   */
  Future<Channel> connectRelay(EventLoop loop, Destination destination);

  /**
   * As {@link #connectRelay(EventLoop, Destination)}, with the user's first bytes going out right
   * behind the CONNECT ({@link EarlyData#attach}) where the relay client can do so. The default
   * ignores {@code early}: its bytes then follow the answer.
   */
  default Future<Channel> connectRelay(EventLoop loop, Destination destination, EarlyData early) {
    return connectRelay(loop, destination);
  }

  /**
   * The event loop of the relay connection that the next tunnel will most likely use, when one is
   * open; null otherwise (the default). A tunnel's other side is best on the same loop.
   */
  default EventLoop relayLoop() {
    return null;
  }

  /**
   * Whether a relay tunnel would most likely open now: a relay's connection is up and the relay has
   * taken the key. The fast open ({@link EarlyData}) is used only then. Default: false.
   */
  default boolean relayReady() {
    return false;
  }
}
