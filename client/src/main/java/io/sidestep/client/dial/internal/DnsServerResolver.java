package io.sidestep.client.dial.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.resolver.dns.DnsErrorCauseException;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverException;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.sidestep.core.net.Failure;
import io.sidestep.core.net.NameLookupException;
import io.sidestep.core.net.Resolver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Asks one DNS server (the {@code --dns IP[:PORT]} option) over UDP, falling back to TCP for
 * truncated answers, with Netty's non-blocking resolver on a thread of its own. No search domains;
 * queries time out after 4 s (OONI's DNS budget).
 */
public final class DnsServerResolver implements Resolver {

  private final InetSocketAddress server;
  private final EventLoopGroup group;
  private final DnsNameResolver resolver;

  public DnsServerResolver(InetSocketAddress server) {
    this(server, Duration.ofSeconds(4));
  }

  public DnsServerResolver(InetSocketAddress server, Duration queryTimeout) {
    this.server = server;
    this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    this.resolver =
        new DnsNameResolverBuilder(group.next())
            .datagramChannelType(NioDatagramChannel.class)
            .socketChannelType(NioSocketChannel.class)
            .nameServerProvider(new SingletonDnsServerAddressStreamProvider(server))
            .queryTimeoutMillis(queryTimeout.toMillis())
            .searchDomains(List.of())
            .ndots(1)
            .build();
  }

  @Override
  public CompletableFuture<List<InetAddress>> resolve(String host) {
    CompletableFuture<List<InetAddress>> result = new CompletableFuture<>();
    resolver
        .resolveAll(host)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                @SuppressWarnings("unchecked")
                List<InetAddress> addresses = (List<InetAddress>) f.getNow();
                if (addresses.isEmpty()) {
                  result.completeExceptionally(
                      new NameLookupException(
                          Failure.NO_ADDRESS,
                          host + ": no address from DNS server " + server,
                          null));
                } else {
                  result.complete(List.copyOf(addresses));
                }
              } else {
                result.completeExceptionally(
                    new NameLookupException(
                        kindOf(f.cause()),
                        host + ": " + f.cause().getMessage() + " (DNS server " + server + ")",
                        f.cause()));
              }
            });
    return result;
  }

  /**
   * What Netty's resolver says: an error code (NXDOMAIN is no such name, any other is no answer), a
   * timeout or an I/O failure (no answer), or else answers without a matching record (no address).
   */
  private static Failure kindOf(Throwable error) {
    for (Throwable c = error; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof DnsErrorCauseException dns) {
        return dns.getCode() == DnsResponseCode.NXDOMAIN
            ? Failure.NAME_NOT_FOUND
            : Failure.LOOKUP_FAILED;
      }
      if (c instanceof DnsNameResolverTimeoutException || c instanceof DnsNameResolverException) {
        return Failure.LOOKUP_FAILED;
      }
    }
    return error instanceof UnknownHostException ? Failure.NO_ADDRESS : Failure.LOOKUP_FAILED;
  }

  @Override
  public void close() {
    resolver.close();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "DNS server " + server;
  }
}
