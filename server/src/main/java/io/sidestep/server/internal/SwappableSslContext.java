package io.sidestep.server.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;

/**
 * A server TLS context whose key and certificate can be replaced while the relay runs: each new
 * connection gets the current one, and connections already open keep theirs, so a reload drops no
 * tunnel.
 */
public final class SwappableSslContext extends SslContext {

  private volatile SslContext current;

  public SwappableSslContext(SslContext first) {
    this.current = first;
  }

  public void swap(SslContext next) {
    current = next;
  }

  @Override
  public boolean isClient() {
    return current.isClient();
  }

  @Override
  public List<String> cipherSuites() {
    return current.cipherSuites();
  }

  @Override
  @SuppressWarnings("deprecation")
  public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
    return current.applicationProtocolNegotiator();
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc) {
    return current.newEngine(alloc);
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
    return current.newEngine(alloc, peerHost, peerPort);
  }

  @Override
  public SSLSessionContext sessionContext() {
    return current.sessionContext();
  }

  // A server never starts TLS late (startTls is false here), so the public factories suffice.
  @Override
  protected SslHandler newHandler(ByteBufAllocator alloc, boolean startTls) {
    return current.newHandler(alloc);
  }

  @Override
  protected SslHandler newHandler(ByteBufAllocator alloc, boolean startTls, Executor executor) {
    return current.newHandler(alloc, executor);
  }

  @Override
  protected SslHandler newHandler(
      ByteBufAllocator alloc, String peerHost, int peerPort, boolean startTls) {
    return current.newHandler(alloc, peerHost, peerPort);
  }

  @Override
  protected SslHandler newHandler(
      ByteBufAllocator alloc, String peerHost, int peerPort, boolean startTls, Executor executor) {
    return current.newHandler(alloc, peerHost, peerPort, executor);
  }
}
