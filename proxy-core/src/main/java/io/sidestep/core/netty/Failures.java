package io.sidestep.core.netty;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslClosedEngineException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.sidestep.core.net.Failure;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLException;

/** Reads the {@link Failure} kind of an exception from its type. */
public final class Failures {
  private Failures() {}

  /**
   * The kind of {@code error}, looking through the wrappers futures and decoders put around a
   * cause. The JDK's NIO raises {@code ConnectException} for a refused connect (and for the
   * kernel's own connect timeout, which takes minutes; Netty's connect timer fires long before with
   * {@code ConnectTimeoutException}), {@code NoRouteToHostException} for an unreachable host,
   * {@code BindException} for a bind that fails, and a reset as {@code
   * sun.net.ConnectionResetException} on a read or a plain {@code IOException} on a write.
   */
  public static Failure kindOf(Throwable error) {
    for (Throwable c = error; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof Failure.Kinded k) {
        return k.failure();
      }
    }
    Throwable t = unwrap(error);
    if (t instanceof ConnectTimeoutException || t instanceof SocketTimeoutException) {
      return Failure.CONNECT_TIMED_OUT;
    }
    if (t instanceof NoRouteToHostException) {
      return Failure.UNREACHABLE;
    }
    if (t instanceof ConnectException) {
      return Failure.CONNECT_REFUSED;
    }
    if (t instanceof BindException) {
      return Failure.ADDRESS_IN_USE;
    }
    if (t instanceof UnknownHostException) {
      return Failure.NAME_NOT_FOUND;
    }
    if (t instanceof SslClosedEngineException || t instanceof ClosedChannelException) {
      return Failure.EOF;
    }
    if (t instanceof SSLException
        || t instanceof SslHandshakeTimeoutException
        || t instanceof NotSslRecordException) {
      return Failure.TLS_HANDSHAKE;
    }
    if (t instanceof SocketException || t.getClass() == IOException.class) {
      // What is left of the socket errors on an open connection: a reset, a broken pipe.
      return Failure.RESET;
    }
    return Failure.OTHER;
  }

  /** {@code error} without the {@link CompletionException}s and decoder wrappers around it. */
  public static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException
            || t instanceof ExecutionException
            || (t instanceof DecoderException && !(t instanceof NotSslRecordException)))
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
