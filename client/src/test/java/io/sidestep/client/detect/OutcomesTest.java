package io.sidestep.client.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.detect.DirectOutcome.ConnectFailure;
import io.sidestep.core.detect.Lookup;
import io.sidestep.core.detect.RelayOutcome;
import io.sidestep.core.net.Failure;
import io.sidestep.core.net.NameLookupException;
import io.sidestep.core.netty.DialException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class OutcomesTest {

  private static UnknownHostException unknown(String message, Throwable cause) {
    UnknownHostException e = new UnknownHostException(message);
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  @Test
  void lookupFailuresByTheirKind() {
    assertThat(
            Outcomes.lookup(new CompletionException(unknown("x: Name or service not known", null))))
        .isInstanceOf(Lookup.NxDomain.class);
    assertThat(
            Outcomes.lookup(
                new NameLookupException(
                    Failure.LOOKUP_FAILED, "x: Temporary failure in name resolution", null)))
        .as("a failed look-up is not an answer")
        .isInstanceOf(Lookup.Failed.class);
    assertThat(
            Outcomes.lookup(
                new CompletionException(
                    new NameLookupException(
                        Failure.NO_ADDRESS, "x: no address from DNS server 1.2.3.4:53", null))))
        .isInstanceOf(Lookup.NoData.class);
    assertThat(
            Outcomes.lookup(new NameLookupException(Failure.NAME_NOT_FOUND, "x: NXDOMAIN", null)))
        .isInstanceOf(Lookup.NxDomain.class);
    assertThat(Outcomes.lookup(new IllegalStateException("boom")))
        .isInstanceOf(Lookup.Failed.class);
  }

  @Test
  void dialFailuresMapToTechniques() {
    assertThat(Outcomes.connectFailure(new DialException(DialException.Kind.TIMEOUT, "t")))
        .isEqualTo(ConnectFailure.TIMEOUT);
    assertThat(
            Outcomes.connectFailure(new DialException(DialException.Kind.CONNECTION_REFUSED, "r")))
        .isEqualTo(ConnectFailure.REFUSED);
    assertThat(Outcomes.connectFailure(new DialException(DialException.Kind.UNREACHABLE, "u")))
        .isEqualTo(ConnectFailure.UNREACHABLE);
    assertThat(Outcomes.connectFailure(new DialException(DialException.Kind.GENERAL, "g")))
        .isNull();
    assertThat(
            Outcomes.relayOutcome(new DialException(DialException.Kind.RELAY_UNAVAILABLE, "down")))
        .isEqualTo(RelayOutcome.unreachable("down"));
    assertThat(
            Outcomes.relayOutcome(
                new DialException(DialException.Kind.RELAY_UNREACHABLE_DESTINATION, "502")))
        .isEqualTo(RelayOutcome.failed("502"));
  }

  @Test
  void responsesAreWholeByLengthOrLastChunk() {
    assertThat(whole("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")).isTrue();
    assertThat(whole("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabc")).isFalse();
    assertThat(whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
        .isTrue();
    assertThat(whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"))
        .isFalse();
    assertThat(whole("HTTP/1.1 200 OK\r\n\r\nuntil close")).isFalse();
    assertThat(whole("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n")).isFalse();
    assertThat(whole("HTTP/1.1 200")).isFalse();
  }

  private static boolean whole(String s) {
    io.netty.buffer.ByteBuf b =
        io.netty.buffer.Unpooled.copiedBuffer(s.getBytes(StandardCharsets.ISO_8859_1));
    try (ResponseBytes r = new ResponseBytes()) {
      return r.add(b);
    } finally {
      b.release();
    }
  }
}
