package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SuspectAnswerTest {

  private static final Duration FAST = Duration.ofMillis(1);
  private final SuspectAnswer judge = new SuspectAnswer(BlockFingerprints.NONE, Clock.systemUTC());

  private static ResponseSummary answer(
      int status, Map<String, List<String>> headers, String body) {
    return new ResponseSummary(
        status, headers, body.length(), ResponseSummary.titleOf(body), Set.of(), body);
  }

  private static ResponseSummary redirect(String location) {
    return answer(302, Map.of("Location", List.of(location)), "");
  }

  private SuspectAnswer.Verdict judge(String host, ResponseSummary r) {
    return judge.judge(host, r, FAST, FAST);
  }

  @Test
  void anOrdinaryPageOrASameSiteRedirectIsOpen() {
    assertThat(judge("news.example.kz", answer(200, Map.of(), "<title>Новости</title>")))
        .isInstanceOf(SuspectAnswer.Verdict.Open.class);
    assertThat(judge("news.example.kz", redirect("https://news.example.kz/")))
        .as("http to https on the same host")
        .isInstanceOf(SuspectAnswer.Verdict.Open.class);
    assertThat(judge("example.com.kz", redirect("http://www.example.com.kz/start")))
        .as("same registrable domain under a two-level suffix")
        .isInstanceOf(SuspectAnswer.Verdict.Open.class);
    assertThat(judge("bank.kz", redirect("/login"))).isInstanceOf(SuspectAnswer.Verdict.Open.class);
  }

  @Test
  void censorLikeAnswersAreSuspect() {
    assertThat(judge("shop.example.com.kz", redirect("http://other.com.kz/")))
        .as("com.kz is a public suffix: other.com.kz is another site")
        .isInstanceOf(SuspectAnswer.Verdict.Suspect.class);
    assertThat(judge("example.org", redirect("http://10.10.34.34/")))
        .isInstanceOf(SuspectAnswer.Verdict.Suspect.class);
    assertThat(judge("example.org", redirect("http://[2001:db8::1]/")))
        .isInstanceOf(SuspectAnswer.Verdict.Suspect.class);
    assertThat(judge("example.org", answer(403, Map.of(), "Forbidden")))
        .isInstanceOf(SuspectAnswer.Verdict.Suspect.class);
    assertThat(judge("example.org", answer(503, Map.of(), "")))
        .isInstanceOf(SuspectAnswer.Verdict.Suspect.class);
    assertThat(judge("example.org", answer(200, Map.of(), "<h1>Доступ к ресурсу ограничен</h1>")))
        .isInstanceOf(SuspectAnswer.Verdict.Suspect.class);
  }

  @Test
  void anAnswerFasterThanTheRoundTripIsSuspect() {
    ResponseSummary ok = answer(200, Map.of(), "<title>Shop</title>");
    assertThat(judge.judge("example.org", ok, Duration.ofMillis(80), Duration.ofMillis(5)))
        .isInstanceOf(SuspectAnswer.Verdict.Suspect.class);
    assertThat(judge.judge("example.org", ok, Duration.ofMillis(80), Duration.ofMillis(90)))
        .isInstanceOf(SuspectAnswer.Verdict.Open.class);
    assertThat(judge.judge("example.org", ok, Duration.ofMillis(2), Duration.ofMillis(0)))
        .as("a connect under 10 ms is too short to tell")
        .isInstanceOf(SuspectAnswer.Verdict.Open.class);
  }

  @Test
  void aFingerprintedPageIsABlockPageWithoutTheRelay() throws IOException {
    SuspectAnswer withFile =
        new SuspectAnswer(
            BlockFingerprints.of("sample.csv", BlockFingerprintsTest.sample()), Clock.systemUTC());
    SuspectAnswer.Verdict v =
        withFile.judge(
            "example.org",
            answer(200, Map.of(), "<title>Sample national filter</title>"),
            FAST,
            FAST);
    assertThat(v).isInstanceOf(SuspectAnswer.Verdict.BlockPage.class);
    assertThat(((SuspectAnswer.Verdict.BlockPage) v).evidence().technique())
        .isEqualTo(Technique.HTTP_BLOCKPAGE);
  }

  @Test
  void registrableDomains() {
    assertThat(SuspectAnswer.registrableDomain("news.example.com.kz")).isEqualTo("example.com.kz");
    assertThat(SuspectAnswer.registrableDomain("www.bank.kz")).isEqualTo("bank.kz");
    assertThat(SuspectAnswer.registrableDomain("a.b.example.co.uk")).isEqualTo("example.co.uk");
    assertThat(SuspectAnswer.registrableDomain("moved.run1.test"))
        .as("no listed suffix: the last two labels")
        .isEqualTo("run1.test");
    assertThat(SuspectAnswer.registrableDomain("192.0.2.1")).isEqualTo("192.0.2.1");
  }
}
