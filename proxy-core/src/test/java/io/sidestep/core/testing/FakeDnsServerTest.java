package io.sidestep.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.dns.DnsCodec;
import io.sidestep.core.dns.DnsQuery;
import io.sidestep.core.dns.DnsRcode;
import io.sidestep.core.dns.DnsResponse;
import io.sidestep.core.dns.DnsType;
import io.sidestep.core.net.IpLiterals;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FakeDnsServerTest {

  private static DnsResponse ask(FakeDnsServer dns, String name, int type) throws Exception {
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(1000);
      byte[] q = DnsCodec.encodeQuery(new DnsQuery(7, name, type));
      s.send(new DatagramPacket(q, q.length, new InetSocketAddress("127.0.0.1", dns.port())));
      byte[] buf = new byte[4096];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      s.receive(p);
      return DnsCodec.decodeResponse(Arrays.copyOf(p.getData(), p.getLength()));
    }
  }

  @Test
  void answersWhatItIsTold() throws Exception {
    try (FakeDnsServer dns = FakeDnsServer.start()) {
      dns.answer("open.example", "127.0.0.1", "::1")
          .nxdomain("blocked.example")
          .drop("slow.example");
      assertThat(ask(dns, "Open.Example.", DnsType.A).addresses())
          .containsExactly(IpLiterals.parse("127.0.0.1"));
      assertThat(ask(dns, "open.example", DnsType.AAAA).addresses())
          .containsExactly(IpLiterals.parse("::1"));
      assertThat(ask(dns, "blocked.example", DnsType.A).rcode()).isEqualTo(DnsRcode.NXDOMAIN);
      assertThat(ask(dns, "unknown.example", DnsType.A).rcode()).isEqualTo(DnsRcode.NXDOMAIN);
      assertThatThrownBy(() -> ask(dns, "slow.example", DnsType.A))
          .isInstanceOf(SocketTimeoutException.class);
      assertThat(dns.wasAsked("blocked.example")).isTrue();
      assertThat(dns.wasAsked("never.example")).isFalse();
      assertThat(dns.address()).isEqualTo("127.0.0.1:" + dns.port());
    }
  }
}
