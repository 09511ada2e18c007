package io.sidestep.lab;

import static io.sidestep.lab.LabPlan.ISP_A_LAN;
import static io.sidestep.lab.LabPlan.ISP_A_MAC;
import static io.sidestep.lab.LabPlan.ISP_A_WAN;
import static io.sidestep.lab.LabPlan.ISP_B_LAN;
import static io.sidestep.lab.LabPlan.ISP_B_WAN;
import static io.sidestep.lab.LabPlan.NS_USER_A;
import static io.sidestep.lab.LabPlan.NS_USER_B;
import static io.sidestep.lab.LabPlan.RELAY1;
import static io.sidestep.lab.LabPlan.RELAY2;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A laptop that moves between two networks with one state folder, through the real client jar: the
 * client is stopped on one user host and started on the other with the same {@code --state}, as a
 * laptop's client is across a move. ISP A resets the t07 site's TLS SNI; ISP B censors nothing. On
 * A the site is learned (on A's network) and relayed; on B it goes direct and nothing learned on A
 * applies; back on A, A's entry applies again from the first visit. The origin's access log tells
 * the paths apart: A's or B's WAN address is a direct visit, a relay's is relayed.
 */
@Order(3)
@ExtendWith(LabExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LabNetworksTest {
  private static final SidestepClient.Spec ROAMING =
      new SidestepClient.Spec("roaming", 8090, 1090, LabPlan.HONEST_RESOLVER, List.of());

  private Lab lab;
  private Path dir;

  private Visit visit(SidestepClient client, String ns, Site site, String tag) {
    Visit v =
        lab.visits.curl(
            ns,
            "curl via " + ROAMING.label() + " in " + ns,
            site.url(tag),
            Visits.MAX_TIME,
            List.of("--proxy", client.httpProxy()));
    System.out.println("lab networks: " + v.describe());
    assertThat(v.shows(site.marker())).as("the page arrived: %s", v.describe()).isTrue();
    return v;
  }

  /** The addresses the origin saw for one visit, as path words. */
  private Set<String> paths(String tag) {
    Set<String> out = new LinkedHashSet<>();
    for (OriginLog.Entry e : lab.origins.visit(tag)) {
      out.add(
          switch (e.remote()) {
            case ISP_A_WAN -> "direct-a";
            case ISP_B_WAN -> "direct-b";
            case RELAY1 -> "relay1";
            case RELAY2 -> "relay2";
            default -> e.remote();
          });
    }
    return out;
  }

  private SidestepClient start(String ns) throws Exception {
    return SidestepClient.start(ROAMING, lab.clientJar(), lab.certs, lab.relays(), dir, ns);
  }

  /** {@code sidestep-client.jar explain HOST} on a user host, with the roaming state. */
  private String explain(String ns, String host) {
    Cmd.Result r =
        Cmd.inNs(
                ns,
                Duration.ofSeconds(60),
                RelayHost.java(),
                "-jar",
                lab.clientJar().toString(),
                "explain",
                host,
                "--state",
                dir.resolve("state").toString())
            .orThrow();
    System.out.println("lab networks: explain in " + ns + ":\n" + r.out());
    return r.out();
  }

  @Test
  void learnedStateFollowsTheLaptopBetweenNetworks(Lab l) throws Exception {
    lab = l;
    lab.assumeJars();
    LabNetworks.up(lab.plan, lab.runDir);
    dir = lab.runDir.resolve("client-" + ROAMING.label());
    Site site = lab.plan.site("t07");

    // On network A: reset after the ClientHello; the page comes through a relay and is learned.
    SidestepClient onA = start(NS_USER_A);
    try {
      Visit first = visit(onA, NS_USER_A, site, "roam-a1");
      System.out.printf("lab networks: first visit on A took %.2f s%n", first.seconds());
      assertThat(paths("roam-a1")).as("first visit on A").containsAnyOf("relay1", "relay2");
      String line =
          onA.awaitLearnedRelayEntry(site.name(), Duration.ofSeconds(10))
              .orElseThrow(() -> new AssertionError("not learned on A:\n" + onA.logTail()))
              .line();
      assertThat(line)
          .contains("technique=7 tls-reset")
          .contains("network-name=gateway " + ISP_A_LAN + " (" + ISP_A_MAC + ")")
          .contains("resolver " + LabPlan.HONEST_RESOLVER);
      visit(onA, NS_USER_A, site, "roam-a2");
      assertThat(paths("roam-a2")).as("second visit on A").isSubsetOf("relay1", "relay2");
    } finally {
      onA.close();
    }
    String learnedOnA = String.join("\n", onA.learnedLinesMentioning(site.name()));

    // On network B: nothing learned on A applies; the site goes direct, and stays learned on A.
    int mark = onA.logMark();
    SidestepClient onB = start(NS_USER_B);
    try {
      Visit b = visit(onB, NS_USER_B, site, "roam-b1");
      System.out.printf("lab networks: first visit on B took %.2f s%n", b.seconds());
      assertThat(paths("roam-b1")).as("visit on B").containsExactly("direct-b");
      visit(onB, NS_USER_B, site, "roam-b2");
      assertThat(paths("roam-b2")).as("second visit on B").containsExactly("direct-b");
      assertThat(String.join("\n", onB.learnedLinesMentioning(site.name())))
          .as("B learned nothing and forgot nothing of A")
          .isEqualTo(learnedOnA);
      assertThat(onB.logLinesAfter(mark))
          .as("the client names the network it is on")
          .anyMatch(x -> x.contains("network: ") && x.contains("gateway " + ISP_B_LAN));
      assertThat(explain(NS_USER_B, site.name()))
          .startsWith(site.name() + ":443 -> AUTO")
          .contains("not the current network, so it does not apply here");
    } finally {
      onB.close();
    }

    // Back on A: A's entry applies from the first visit.
    SidestepClient again = start(NS_USER_A);
    try {
      visit(again, NS_USER_A, site, "roam-a3");
      assertThat(paths("roam-a3")).as("back on A").isSubsetOf("relay1", "relay2").isNotEmpty();
      assertThat(explain(NS_USER_A, site.name()))
          .startsWith(site.name() + ":443 -> RELAY")
          .contains(": the current network");
    } finally {
      again.close();
    }
  }
}
