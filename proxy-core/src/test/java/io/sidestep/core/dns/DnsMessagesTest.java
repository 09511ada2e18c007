package io.sidestep.core.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsMessagesTest {

  /** The name and type each answered query asked about. */
  private final List<String> asked = new ArrayList<>();

  private byte[] respond(byte[] query, DnsAnswer answer) {
    return DnsMessages.respond(
        query,
        60,
        (name, type) -> {
          asked.add(name + " " + type.name());
          return answer;
        });
  }

  @Test
  void queryHasTheWireFormatOfRfc1035() {
    byte[] wire = DnsMessages.query(0x1234, "Example.COM.", DnsRecordType.A);
    // id, flags RD, qd=1, an=ns=ar=0, 7example3com0, type 1, class 1
    assertThat(HexFormat.of().formatHex(wire))
        .isEqualTo("123401000001000000000000076578616d706c6503636f6d0000010001");
    byte[] response = respond(wire, DnsAnswer.error(DnsResponseCode.NXDOMAIN));
    assertThat(asked).containsExactly("example.com A");
    assertThat(DnsMessages.readAnswer(response, 0x1234).rcode())
        .isEqualTo(DnsResponseCode.NXDOMAIN);
  }

  @Test
  void queryFromAnotherImplementationWithEdnsIsAnswered() {
    // A query as dig sends it: id 0xabcd, RD+AD, one question for AAAA, one EDNS OPT record.
    byte[] wire =
        HexFormat.of()
            .parseHex(
                "abcd01200001000000000001"
                    + "03777777076578616d706c65036f726700"
                    + "001c0001"
                    + "0000291000000000000000");
    byte[] response = respond(wire, DnsAnswer.of(List.of()));
    assertThat(asked).containsExactly("www.example.org AAAA");
    assertThat(DnsMessages.readAnswer(response, 0xabcd)).isEqualTo(DnsAnswer.of(List.of()));
  }

  @Test
  void answersRoundTripWithBothFamilies() throws Exception {
    List<InetAddress> v4 =
        List.of(InetAddress.getByName("93.184.216.34"), InetAddress.getByName("1.2.3.4"));
    byte[] r = respond(DnsMessages.query(7, "example.com", DnsRecordType.A), DnsAnswer.of(v4));
    DnsAnswer back = DnsMessages.readAnswer(r, 7);
    assertThat(back.rcode()).isEqualTo(DnsResponseCode.NOERROR);
    assertThat(back.addresses())
        .extracting(InetAddress::getHostAddress)
        .containsExactly("93.184.216.34", "1.2.3.4");

    List<InetAddress> v6 = List.of(InetAddress.getByName("2001:db8::1"));
    byte[] r6 = respond(DnsMessages.query(0, "example.com", DnsRecordType.AAAA), DnsAnswer.of(v6));
    assertThat(DnsMessages.readAnswer(r6, 0)).isEqualTo(DnsAnswer.of(v6));
  }

  @Test
  void nxdomainRoundTrips() {
    byte[] q = DnsMessages.query(0, "nope.example", DnsRecordType.A);
    DnsAnswer back =
        DnsMessages.readAnswer(respond(q, DnsAnswer.error(DnsResponseCode.NXDOMAIN)), 0);
    assertThat(back.rcode()).isEqualTo(DnsResponseCode.NXDOMAIN);
    assertThat(back.addresses()).isEmpty();
  }

  @Test
  void responseWithCnameChainKeepsOnlyAddresses() {
    // Hand-built: question a.example A; answers: a.example CNAME b.example; b.example A 10.0.0.1
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(HexFormat.of().parseHex("000181800001000200000000"));
    o.writeBytes(HexFormat.of().parseHex("0161076578616d706c6500" + "00010001")); // q at 12
    // answer 1: name ptr to 12, CNAME, IN, ttl 60, rdlength 4, "1b" + ptr to 14 (example)
    o.writeBytes(
        HexFormat.of().parseHex("c00c" + "0005" + "0001" + "0000003c" + "0004" + "0162c00e"));
    // answer 2: name "b.example" = ptr to the CNAME rdata at offset 39, A, ttl 30, 10.0.0.1
    o.writeBytes(
        HexFormat.of().parseHex("c027" + "0001" + "0001" + "0000001e" + "0004" + "0a000001"));
    DnsAnswer r = DnsMessages.readAnswer(o.toByteArray(), 1);
    assertThat(r.rcode()).isEqualTo(DnsResponseCode.NOERROR);
    assertThat(r.addresses()).extracting(InetAddress::getHostAddress).containsExactly("10.0.0.1");
  }

  @Test
  void malformedMessagesAreRefusedWithReasons() {
    assertThatThrownBy(() -> respond(new byte[5], null))
        .isInstanceOf(DnsFormatException.class)
        .hasMessageContaining("12-byte header");
    byte[] q = DnsMessages.query(0, "example.com", DnsRecordType.A);
    byte[] truncated = Arrays.copyOf(q, q.length - 3);
    assertThatThrownBy(() -> respond(truncated, null)).isInstanceOf(DnsFormatException.class);
    // a pointer to itself would loop forever in a naive decoder
    byte[] loop = HexFormat.of().parseHex("000001000001000000000000c00c00010001");
    assertThatThrownBy(() -> respond(loop, null))
        .isInstanceOf(DnsFormatException.class)
        .hasMessageContaining("loop");
    byte[] response = respond(q, DnsAnswer.of(List.of()));
    assertThatThrownBy(() -> respond(response, null))
        .isInstanceOf(DnsFormatException.class)
        .hasMessageContaining("not a query");
    assertThatThrownBy(() -> DnsMessages.readAnswer(q, 0))
        .isInstanceOf(DnsFormatException.class)
        .hasMessageContaining("not a response");
    assertThatThrownBy(() -> DnsMessages.readAnswer(response, 1))
        .as("an answer to another query")
        .isInstanceOf(DnsFormatException.class)
        .hasMessageContaining("id 0 (expected: 1)");
    assertThatThrownBy(() -> DnsMessages.query(0, "a..b", DnsRecordType.A))
        .isInstanceOf(DnsFormatException.class)
        .hasMessageContaining("DNS name: 'a..b'");
    assertThatThrownBy(() -> DnsMessages.query(0, "x".repeat(64) + ".com", DnsRecordType.A))
        .isInstanceOf(DnsFormatException.class)
        .hasMessageContaining("1-63");
    assertThat(asked)
        .as("only the well-formed query reached the answerer")
        .containsExactly("example.com A");
  }

  @Test
  void aTruncatedAnswerIsRefused() {
    byte[] response =
        respond(DnsMessages.query(0, "big.example", DnsRecordType.A), DnsAnswer.of(List.of()));
    response[2] |= 0x02; // TC
    assertThatThrownBy(() -> DnsMessages.readAnswer(response, 0))
        .isInstanceOf(DnsFormatException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void dohGetParameterRoundTrips() {
    byte[] q = DnsMessages.query(0, "example.com", DnsRecordType.A);
    String path = DnsOverHttps.getPath(q);
    assertThat(path).startsWith("/dns-query?dns=");
    assertThat(path.substring(15)).as("unpadded base64url").doesNotContain("=", "+", "/");
    assertThat(DnsOverHttps.decodeGetParameter(path.substring("/dns-query?dns=".length())))
        .isEqualTo(q);
    assertThatThrownBy(() -> DnsOverHttps.decodeGetParameter("***"))
        .isInstanceOf(DnsFormatException.class);
  }
}
