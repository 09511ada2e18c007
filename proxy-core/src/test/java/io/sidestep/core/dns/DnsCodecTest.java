package io.sidestep.core.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsCodecTest {

  @Test
  void queryHasTheWireFormatOfRfc1035() {
    byte[] wire = DnsCodec.encodeQuery(new DnsQuery(0x1234, "Example.COM.", DnsType.A));
    // id, flags RD, qd=1, an=ns=ar=0, 7example3com0, type 1, class 1
    assertThat(HexFormat.of().formatHex(wire))
        .isEqualTo("123401000001000000000000076578616d706c6503636f6d0000010001");
    DnsQuery back = DnsCodec.decodeQuery(wire);
    assertThat(back).isEqualTo(new DnsQuery(0x1234, "example.com", DnsType.A));
  }

  @Test
  void queryFromAnotherImplementationWithEdnsDecodes() {
    // A query as dig sends it: id 0xabcd, RD+AD, one question for AAAA, one EDNS OPT record.
    byte[] wire =
        HexFormat.of()
            .parseHex(
                "abcd01200001000000000001"
                    + "03777777076578616d706c65036f726700"
                    + "001c0001"
                    + "0000291000000000000000");
    assertThat(DnsCodec.decodeQuery(wire)).isEqualTo(new DnsQuery(0xabcd, "www.example.org", 28));
  }

  @Test
  void responseRoundTripsWithBothFamilies() throws Exception {
    DnsQuery q = new DnsQuery(7, "example.com", DnsType.A);
    DnsResponse r =
        DnsResponse.answer(
            q,
            List.of(InetAddress.getByName("93.184.216.34"), InetAddress.getByName("1.2.3.4")),
            60);
    DnsResponse back = DnsCodec.decodeResponse(DnsCodec.encodeResponse(r));
    assertThat(back).isEqualTo(r);
    assertThat(back.addresses())
        .extracting(InetAddress::getHostAddress)
        .containsExactly("93.184.216.34", "1.2.3.4");

    DnsQuery q6 = DnsQuery.of("example.com", DnsType.AAAA);
    DnsResponse r6 = DnsResponse.answer(q6, List.of(InetAddress.getByName("2001:db8::1")), 300);
    assertThat(DnsCodec.decodeResponse(DnsCodec.encodeResponse(r6))).isEqualTo(r6);
  }

  @Test
  void nxdomainRoundTrips() {
    DnsResponse nx = DnsResponse.error(DnsQuery.of("nope.example", DnsType.A), DnsRcode.NXDOMAIN);
    DnsResponse back = DnsCodec.decodeResponse(DnsCodec.encodeResponse(nx));
    assertThat(back.rcode()).isEqualTo(DnsRcode.NXDOMAIN);
    assertThat(back.answers()).isEmpty();
  }

  @Test
  void responseWithCnameChainKeepsOnlyAddresses() {
    // Hand-built: question a.example A; answers: a.example CNAME b.example; b.example A 10.0.0.1
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    o.writeBytes(HexFormat.of().parseHex("000181800001000200000000"));
    o.writeBytes(HexFormat.of().parseHex("0161076578616d706c6500" + "00010001")); // q at 12
    // answer 1: name ptr to 12, CNAME, IN, ttl 60, rdlength 4, "1b" + ptr to 14 (example)
    o.writeBytes(
        HexFormat.of().parseHex("c00c" + "0005" + "0001" + "0000003c" + "0004" + "0162c00e"));
    // answer 2: name "b.example" = ptr to the CNAME rdata at offset 39, A, ttl 30, 10.0.0.1
    o.writeBytes(
        HexFormat.of().parseHex("c027" + "0001" + "0001" + "0000001e" + "0004" + "0a000001"));
    DnsResponse r = DnsCodec.decodeResponse(o.toByteArray());
    assertThat(r.question().name()).isEqualTo("a.example");
    assertThat(r.answers()).hasSize(1);
    assertThat(r.answers().get(0).name()).isEqualTo("b.example");
    assertThat(r.answers().get(0).ttl()).isEqualTo(30);
    assertThat(r.addresses().get(0).getHostAddress()).isEqualTo("10.0.0.1");
  }

  @Test
  void malformedMessagesAreRefusedWithReasons() {
    assertThatThrownBy(() -> DnsCodec.decodeQuery(new byte[5]))
        .isInstanceOf(DnsFormatException.class)
        .hasMessageContaining("12-byte header");
    byte[] q = DnsCodec.encodeQuery(DnsQuery.of("example.com", DnsType.A));
    byte[] truncated = java.util.Arrays.copyOf(q, q.length - 3);
    assertThatThrownBy(() -> DnsCodec.decodeQuery(truncated))
        .isInstanceOf(DnsFormatException.class);
    // a pointer to itself would loop forever in a naive decoder
    byte[] loop = HexFormat.of().parseHex("000001000001000000000000c00c00010001");
    assertThatThrownBy(() -> DnsCodec.decodeQuery(loop))
        .isInstanceOf(DnsFormatException.class)
        .hasMessageContaining("earlier byte");
    byte[] response = DnsCodec.encodeResponse(DnsResponse.error(DnsQuery.of("a.b", 1), 0));
    assertThatThrownBy(() -> DnsCodec.decodeQuery(response)).hasMessageContaining("QR bit");
    assertThatThrownBy(() -> DnsCodec.decodeResponse(q)).hasMessageContaining("QR bit");
    assertThatThrownBy(() -> DnsCodec.encodeQuery(DnsQuery.of("a..b", 1)))
        .hasMessageContaining("label");
    assertThatThrownBy(() -> DnsCodec.encodeQuery(DnsQuery.of("x".repeat(64) + ".com", 1)))
        .hasMessageContaining("1-63");
  }

  @Test
  void dohGetParameterRoundTrips() {
    byte[] q = DnsCodec.encodeQuery(DnsQuery.of("example.com", DnsType.A));
    String path = DnsOverHttps.getPath(q);
    assertThat(path).startsWith("/dns-query?dns=");
    assertThat(path.substring(15)).as("unpadded base64url").doesNotContain("=", "+", "/");
    assertThat(DnsOverHttps.decodeGetParameter(path.substring("/dns-query?dns=".length())))
        .isEqualTo(q);
    assertThatThrownBy(() -> DnsOverHttps.decodeGetParameter("***"))
        .isInstanceOf(DnsFormatException.class);
  }
}
