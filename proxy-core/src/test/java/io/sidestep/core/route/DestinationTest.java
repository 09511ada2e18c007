package io.sidestep.core.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DestinationTest {

  @Test
  void namesAreNormalisedToOneSpelling() {
    assertThat(Destination.of("Blocked.Example.", 443).host()).isEqualTo("blocked.example");
    assertThat(Destination.of("Bücher.example", 443).host()).isEqualTo("xn--bcher-kva.example");
    assertThat(Destination.of("президент。рф", 443).host()).isEqualTo("xn--d1abbgf6aiiy.xn--p1ai");
    assertThat(Destination.of("my_host.example", 80).host())
        .as("underscores are in real host names")
        .isEqualTo("my_host.example");
    assertThat(Destination.of("r3---sn-abc.googlevideo.com", 443).host())
        .isEqualTo("r3---sn-abc.googlevideo.com");
    assertThat(Destination.parse("[2001:DB8::1]:443", 80).host()).isEqualTo("2001:db8::1");
    assertThat(Destination.parse("192.0.2.1", 80).authority()).isEqualTo("192.0.2.1:80");
  }

  @Test
  void namesThatCouldCarryARuleOrALogLineAreRefused() {
    for (String bad :
        List.of(
            "a\nb.example",
            "a\rb.example",
            "a\u000bb.example",
            "a\u3000b.example", // IDNA maps it to a space
            "a\uff0cb.example", // ... to a comma
            "a\uff03b.example", // ... to '#'
            "x.example,DIRECT\nMATCH,REJECT",
            "a b.example",
            "a..b.example",
            "-a.example",
            "a%0ab.example",
            "*.example",
            "a.example/path",
            "⒈.example")) {
      assertThatThrownBy(() -> Destination.of(bad, 443))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("host: '")
          .hasMessageContaining("(expected: ")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r", "\u000b"));
    }
  }

  @Test
  void theRefusedValueIsEscapedInTheMessage() {
    assertThatThrownBy(() -> Destination.of("a\nb\u000b.example", 443))
        .hasMessage(
            "host: 'a\\nb\\u000b.example' (expected: an IP address, or a name of letters, digits,"
                + " '-' and '_' in labels separated by '.')");
  }
}
