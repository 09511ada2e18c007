package io.sidestep.lab;

import static io.sidestep.lab.Visits.Door.HTTP;
import static io.sidestep.lab.Visits.Door.SOCKS;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A censor that blocks relays by the shape of their TLS: the ISP resets every connection to a relay
 * whose ClientHello's first cipher suite is not a GREASE value, as a browser's always is (iptables'
 * {@code u32} match, {@link LabConfigs#resetNonBrowserHello}). A client with the Chrome-shaped
 * hello ({@code run --tls-hello chrome}, the default) still reaches its relays; one with the TLS
 * library's own hello ({@code --tls-hello fast}) does not. The rule is in place only while this
 * test runs.
 */
@Order(3)
@ExtendWith(LabExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LabHelloTest {

  /** Everything through the relays, so every visit needs the relay link. */
  static final SidestepClient.Spec CHROME =
      new SidestepClient.Spec(
          "hello-chrome",
          8095,
          1095,
          LabPlan.ISP_RESOLVER,
          List.of("MATCH,RELAY"),
          List.of("--tls-hello", "chrome"));

  static final SidestepClient.Spec FAST =
      new SidestepClient.Spec(
          "hello-fast",
          8096,
          1096,
          LabPlan.ISP_RESOLVER,
          List.of("MATCH,RELAY"),
          List.of("--tls-hello", "fast"));

  @Test
  void aCensorOfNonBrowserHellosStopsOnlyTheFastHello(Lab lab) {
    lab.assumeJars();
    Site open = lab.plan.site("open");
    SoftAssertions soft = new SoftAssertions();
    // The censor is in place before the clients start: each opens its relay connection at once
    // and keeps it, so a rule added later would never see a hello.
    censor(true);
    try {
      SidestepClient chrome = lab.client(CHROME);
      SidestepClient fast = lab.client(FAST);
      long before = resets();
      int mark = fast.logMark();
      Visit refused = lab.visits.viaClient(fast, SOCKS, open.url("hello-fast-1"));
      long afterFast = resets();
      soft.assertThat(refused.shows(open.marker()))
          .as("the fast hello is reset at the ISP: %s", refused.describe())
          .isFalse();
      soft.assertThat(afterFast - before)
          .as("the censor's rule reset the fast client's hellos (one a relay, both relays tried)")
          .isGreaterThanOrEqualTo(2);
      soft.assertThat(lab.origins.visit("hello-fast-1")).as("nothing reached the origin").isEmpty();
      soft.assertThat(String.join("\n", fast.logLinesAfter(mark)))
          .as("the client's log line names both relays and the reset")
          .contains(LabPlan.RELAY1 + ":443")
          .contains(LabPlan.RELAY2 + ":443")
          .containsIgnoringCase("reset");

      for (Visits.Door door : List.of(SOCKS, HTTP)) {
        String tag = "hello-chrome-" + door;
        Visit v = lab.visits.viaClient(chrome, door, open.url(tag));
        soft.assertThat(v.shows(open.marker()))
            .as("the Chrome-shaped hello passes: %s", v.describe())
            .isTrue();
        soft.assertThat(lab.origins.paths(tag)).as("through relay 1").isEqualTo(Set.of("relay1"));
      }
      soft.assertThat(resets()).as("no Chrome-shaped hello matched the rule").isEqualTo(afterFast);
    } finally {
      censor(false);
    }
    soft.assertAll();
  }

  private static void censor(boolean on) {
    for (String relay : List.of(LabPlan.RELAY1, LabPlan.RELAY2)) {
      String[] argv = LabConfigs.resetNonBrowserHello(relay, on).split(" ");
      Cmd.inNs(LabPlan.NS_ISP, Duration.ofSeconds(10), argv).orThrow();
    }
  }

  /** How many packets the censor's rules have reset so far. */
  private static long resets() {
    String out =
        Cmd.inNs(
                LabPlan.NS_ISP,
                Duration.ofSeconds(10),
                "iptables",
                "-L",
                "FORWARD",
                "-v",
                "-x",
                "-n")
            .orThrow()
            .out();
    return out.lines()
        .filter(l -> l.contains(LabConfigs.HELLO_RULE))
        .mapToLong(l -> Long.parseLong(l.strip().split("\\s+")[0]))
        .sum();
  }
}
