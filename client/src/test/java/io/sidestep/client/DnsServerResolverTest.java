package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.sidestep.client.dial.internal.DnsServerResolver;
import io.sidestep.core.dns.DnsAnswer;
import io.sidestep.core.dns.DnsMessages;
import io.sidestep.core.net.IpLiterals;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code --dns IP:PORT}: direct names are asked of that server, and only of it. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsServerResolverTest {

  /** A DNS server on 127.0.0.1 (UDP, port 0) knowing one name; records every question. */
  static final class TinyDns implements AutoCloseable {
    final DatagramSocket socket;
    final List<String> questions = new CopyOnWriteArrayList<>();

    TinyDns() throws Exception {
      socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[1500];
                while (!socket.isClosed()) {
                  try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    socket.receive(p);
                    byte[] out =
                        DnsMessages.respond(
                            Arrays.copyOf(p.getData(), p.getLength()),
                            60,
                            (name, type) -> {
                              questions.add(name);
                              if (!name.equals("dns.test")) {
                                return DnsAnswer.error(DnsResponseCode.NXDOMAIN);
                              }
                              return DnsAnswer.of(
                                  type.equals(DnsRecordType.A)
                                      ? List.of(IpLiterals.parse("127.0.0.1"))
                                      : List.of());
                            });
                    socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
                  } catch (Exception e) {
                    // closed, or a query the codec refuses: no answer
                  }
                }
              });
      t.setDaemon(true);
      t.start();
    }

    InetSocketAddress address() {
      return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  @Test
  void resolvesThroughTheGivenServer() throws Exception {
    try (TinyDns dns = new TinyDns()) {
      DnsServerResolver resolver = new DnsServerResolver(dns.address());
      try {
        assertThat(resolver.resolve("dns.test").get(10, TimeUnit.SECONDS))
            .containsExactly(InetAddress.getByName("127.0.0.1"));
        assertThat(dns.questions).contains("dns.test");
        assertThatThrownBy(() -> resolver.resolve("nx.test").get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(java.net.UnknownHostException.class)
            .hasMessageContaining("nx.test");
      } finally {
        resolver.close();
      }
    }
  }

  @Test
  void clientConnectsByNameWithItsOwnDnsServer() throws Exception {
    try (TinyDns dns = new TinyDns();
        EchoServer echo = new EchoServer("127.0.0.1");
        Client client =
            Client.builder()
                .http(new InetSocketAddress("127.0.0.1", 0))
                .socks(new InetSocketAddress("127.0.0.1", 0))
                .resolver(new DnsServerResolver(dns.address()))
                .threads(1)
                .start();
        Socks5 s = new Socks5(client.socksAddress())) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectName("dns.test", echo.port())).isZero();
      assertThat(s.echo("named by my DNS")).isEqualTo("named by my DNS");
    }
  }
}
