package io.sidestep.client.dial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.sidestep.client.FakeResolver;
import io.sidestep.client.dial.internal.DnsServerResolver;
import io.sidestep.core.net.Failure;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.netty.Failures;
import io.sidestep.core.testing.FakeDnsServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A name that does not resolve carries what the resolver said, as a kind set by the resolver: a DNS
 * server's NXDOMAIN, an empty answer, a SERVFAIL and silence are told apart without reading a
 * message.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NameLookupKindsTest {

  private static Failure kindOf(Resolver resolver, String host) {
    Throwable t = catchThrowable(() -> resolver.resolve(host).get(20, TimeUnit.SECONDS));
    assertThat(t).as("the look-up of %s fails", host).isNotNull();
    return Failures.kindOf(t);
  }

  @Test
  void aDnsServersAnswersHaveTheirKinds() {
    try (FakeDnsServer dns =
        FakeDnsServer.start()
            .nxdomain("nx.test")
            .answer("empty.test")
            .servfail("broken.test")
            .drop("silent.test")) {
      DnsServerResolver resolver =
          new DnsServerResolver(
              new InetSocketAddress("127.0.0.1", dns.port()), Duration.ofMillis(300));
      try {
        assertThat(kindOf(resolver, "nx.test")).isEqualTo(Failure.NAME_NOT_FOUND);
        assertThat(kindOf(resolver, "empty.test")).isEqualTo(Failure.NO_ADDRESS);
        assertThat(kindOf(resolver, "broken.test")).isEqualTo(Failure.LOOKUP_FAILED);
        assertThat(kindOf(resolver, "silent.test")).isEqualTo(Failure.LOOKUP_FAILED);
      } finally {
        resolver.close();
      }
    }
  }

  @Test
  void anUnknownNameIsNotFoundAndNamedInTheDialFailure() {
    Throwable t =
        catchThrowable(() -> new FakeResolver().resolve("unknown.test").get(5, TimeUnit.SECONDS));
    assertThat(Failures.kindOf(t)).isEqualTo(Failure.NAME_NOT_FOUND);
    DialException e = DialException.of(t, "direct to unknown.test:443");
    assertThat(e.kind()).isEqualTo(DialException.Kind.NAME_NOT_RESOLVED);
  }
}
