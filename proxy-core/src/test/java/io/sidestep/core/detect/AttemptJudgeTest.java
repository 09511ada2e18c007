package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.detect.DirectOutcome.ConnectFailure;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.testing.ManualClock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AttemptJudgeTest {
  private final ManualClock clock = ManualClock.atDefault();
  private final AttemptJudge judge = new AttemptJudge(clock);
  private static final FirstFlight HELLO =
      new FirstFlight.ClientHello(Optional.of("blocked.example"), 517);
  private static final FirstFlight GET =
      new FirstFlight.HttpRequest("GET", "/", Optional.of("blocked.example"), 40);
  private static final RelayOutcome RELAY_OK = RelayOutcome.succeeded("relay handshake ok");

  private Evidence censored(DirectOutcome direct) {
    Judgement j = judge.judge(direct, RELAY_OK, false);
    assertThat(j).isInstanceOf(Judgement.Censored.class);
    assertThat(j.learn()).isTrue();
    return ((Judgement.Censored) j).evidence();
  }

  @Test
  void resetAfterClientHelloWhileTheRelayWorksIsTechnique7() {
    Evidence e =
        censored(DirectOutcome.streamFailed(StreamFailure.RESET, 0, HELLO, Duration.ofMillis(40)));
    assertThat(e.technique()).isEqualTo(Technique.TLS_RESET);
    assertThat(e.text()).isEqualTo("reset after ClientHello, 0 bytes read; relay handshake ok");
    assertThat(e.time()).isEqualTo(clock.instant());
  }

  @Test
  void eofAfterClientHelloIsTechnique7() {
    Evidence e =
        censored(DirectOutcome.streamFailed(StreamFailure.EOF, 0, HELLO, Duration.ofMillis(40)));
    assertThat(e.technique()).isEqualTo(Technique.TLS_RESET);
    assertThat(e.text()).startsWith("EOF after ClientHello");
  }

  @Test
  void silenceAfterClientHelloIsTechnique8() {
    Evidence e =
        censored(
            DirectOutcome.streamFailed(StreamFailure.SILENCE, 0, HELLO, Duration.ofMillis(3000)));
    assertThat(e.technique()).isEqualTo(Technique.TLS_SILENCE);
    assertThat(e.text()).isEqualTo("no byte 3000 ms after ClientHello; relay handshake ok");
  }

  @Test
  void failuresAfterAnHttpRequestAreTechnique9() {
    for (StreamFailure f : StreamFailure.values()) {
      Evidence e = censored(DirectOutcome.streamFailed(f, 0, GET, Duration.ofMillis(10)));
      assertThat(e.technique()).isEqualTo(Technique.HTTP_RESET);
      assertThat(e.text()).contains("GET request");
    }
  }

  @Test
  void connectFailuresAreTechniques5And6() {
    assertThat(
            censored(DirectOutcome.connectFailed(ConnectFailure.TIMEOUT, Duration.ofSeconds(2)))
                .technique())
        .isEqualTo(Technique.TCP_TIMEOUT);
    Evidence refused =
        censored(DirectOutcome.connectFailed(ConnectFailure.REFUSED, Duration.ofMillis(3)));
    assertThat(refused.technique()).isEqualTo(Technique.TCP_REFUSED);
    assertThat(refused.text()).isEqualTo("connect refused; relay handshake ok");
    assertThat(
            censored(DirectOutcome.connectFailed(ConnectFailure.UNREACHABLE, Duration.ofMillis(3)))
                .technique())
        .isEqualTo(Technique.TCP_REFUSED);
  }

  @Test
  void aFailureWithinTheFirst4KiBCountsAndBeyondDoesNot() {
    censored(DirectOutcome.streamFailed(StreamFailure.RESET, 4096, HELLO, Duration.ofMillis(50)));
    Judgement late =
        judge.judge(
            DirectOutcome.streamFailed(StreamFailure.RESET, 4097, HELLO, Duration.ofMillis(50)),
            RELAY_OK,
            false);
    assertThat(late).isInstanceOf(Judgement.Ok.class);
    assertThat(late.learn()).isFalse();
  }

  @Test
  void bothFailingIsAnOutage() {
    Judgement j =
        judge.judge(
            DirectOutcome.connectFailed(ConnectFailure.TIMEOUT, Duration.ofSeconds(2)),
            RelayOutcome.failed("origin connect timed out at the relay"),
            false);
    assertThat(j).isInstanceOf(Judgement.Outage.class);
    assertThat(((Judgement.Outage) j).relayDown()).isFalse();
    assertThat(j.learn()).isFalse();
  }

  @Test
  void anUnreachableRelayLearnsNothingAboutSites() {
    Judgement j =
        judge.judge(
            DirectOutcome.streamFailed(StreamFailure.RESET, 0, HELLO, Duration.ofMillis(5)),
            RelayOutcome.unreachable("connect refused"),
            false);
    assertThat(j).isInstanceOf(Judgement.Outage.class);
    assertThat(((Judgement.Outage) j).relayDown()).isTrue();
    assertThat(j.learn()).isFalse();
  }

  @Test
  void aLocalNetworkOutageBlamesNoSite() {
    Judgement j =
        judge.judge(
            DirectOutcome.connectFailed(ConnectFailure.UNREACHABLE, Duration.ofMillis(1)),
            RELAY_OK,
            true);
    assertThat(j).isInstanceOf(Judgement.Outage.class);
    assertThat(j.learn()).isFalse();
  }

  @Test
  void aWorkingDirectPathIsOk() {
    assertThat(judge.judge(DirectOutcome.working(1234), RELAY_OK, false))
        .isInstanceOf(Judgement.Ok.class);
  }

  @Test
  void otherProtocolsAreNotJudged() {
    Judgement j =
        judge.judge(
            DirectOutcome.streamFailed(
                StreamFailure.RESET, 0, new FirstFlight.Unknown("ssh"), Duration.ofMillis(1)),
            RELAY_OK,
            false);
    assertThat(j).isInstanceOf(Judgement.Ok.class);
  }
}
