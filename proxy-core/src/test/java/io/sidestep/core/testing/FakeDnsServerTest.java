package io.sidestep.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.sidestep.core.dns.DnsAnswer;
import io.sidestep.core.dns.DnsMessages;
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

  private static DnsAnswer ask(FakeDnsServer dns, String name, DnsRecordType type)
      throws Exception {
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(1000);
      byte[] q = DnsMessages.query(7, name, type);
      s.send(new DatagramPacket(q, q.length, new InetSocketAddress("127.0.0.1", dns.port())));
      byte[] buf = new byte[4096];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      s.receive(p);
      return DnsMessages.readAnswer(Arrays.copyOf(p.getData(), p.getLength()), 7);
    }
  }

  @Test
  void answersWhatItIsTold() throws Exception {
    try (FakeDnsServer dns = FakeDnsServer.start()) {
      dns.answer("open.example", "127.0.0.1", "::1")
          .nxdomain("blocked.example")
          .drop("slow.example");
      assertThat(ask(dns, "Open.Example.", DnsRecordType.A).addresses())
          .containsExactly(IpLiterals.parse("127.0.0.1"));
      assertThat(ask(dns, "open.example", DnsRecordType.AAAA).addresses())
          .containsExactly(IpLiterals.parse("::1"));
      assertThat(ask(dns, "blocked.example", DnsRecordType.A).rcode())
          .isEqualTo(DnsResponseCode.NXDOMAIN);
      assertThat(ask(dns, "unknown.example", DnsRecordType.A).rcode())
          .isEqualTo(DnsResponseCode.NXDOMAIN);
      assertThatThrownBy(() -> ask(dns, "slow.example", DnsRecordType.A))
          .isInstanceOf(SocketTimeoutException.class);
      assertThat(dns.wasAsked("blocked.example")).isTrue();
      assertThat(dns.wasAsked("never.example")).isFalse();
      assertThat(dns.address()).isEqualTo("127.0.0.1:" + dns.port());
    }
  }
}
