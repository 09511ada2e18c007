package io.sidestep.core.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.route.Destination;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Access keys naming one relay, as before, and several relays of a fleet. */
class AccessKeyTest {

  static final String PIN_A = "sha256/" + "A".repeat(43) + "=";
  static final String PIN_B = "sha256/" + "B".repeat(43) + "=";

  @Test
  void aSingleRelayKeyParsesAsBeforeAndAsAListOfOne() {
    String text = "sidestep://alice:tok+en@relay.example:443?pin=" + PIN_A + "#home";
    AccessKey key = AccessKey.parse(text);
    assertThat(key.relay()).isEqualTo(Destination.of("relay.example", 443));
    assertThat(key.token()).isEqualTo("tok+en");
    assertThat(key.label()).isEqualTo("home");
    assertThat(AccessKey.parseAll(text)).containsExactly(key);
    assertThat(key.toUri()).isEqualTo(text);
  }

  @Test
  void aMultiRelayKeyIsOneKeyPerRelayStartingWhereTheTokenPoints() {
    String token = "f1.payload.signature";
    String text = "sidestep://bob:" + token + "@a.example:443,[2001:db8::1]:8443,c.example#fleet";
    List<AccessKey> keys = AccessKey.parseAll(text);
    List<Destination> all =
        List.of(
            Destination.of("a.example", 443),
            Destination.of("2001:db8::1", 8443),
            Destination.of("c.example", 443));
    int start = AccessKey.spreadStart(token, 3);
    assertThat(keys)
        .extracting(AccessKey::relay)
        .containsExactly(all.get(start), all.get((start + 1) % 3), all.get((start + 2) % 3));
    assertThat(keys).allSatisfy(k -> assertThat(k.token()).isEqualTo(token));
    assertThat(keys).allSatisfy(k -> assertThat(k.pin()).isEmpty());
    assertThat(keys.get(0).label()).isEqualTo("fleet@" + all.get(start).authority());
    assertThat(AccessKey.parseAll(text)).as("stable").isEqualTo(keys);
  }

  @Test
  void pinsAreOneForAllOrOnePerRelay() {
    String one = AccessKey.toUri("u", "t", hosts(), List.of(PIN_A), "u");
    assertThat(AccessKey.parseAll(one))
        .allSatisfy(k -> assertThat(k.pin()).isEqualTo(Optional.of(PIN_A)));
    String each = AccessKey.toUri("u", "t", hosts(), List.of(PIN_A, PIN_B), "u");
    assertThat(each)
        .isEqualTo(
            "sidestep://u:t@a.example:443,b.example:443?pin=" + PIN_A + "&pin=" + PIN_B + "#u");
    for (AccessKey k : AccessKey.parseAll(each)) {
      assertThat(k.pin()).contains(k.relay().host().startsWith("a") ? PIN_A : PIN_B);
    }
    assertThatThrownBy(() -> AccessKey.toUri("u", "t", hosts(), List.of(PIN_A, PIN_B, PIN_A), "u"))
        .hasMessageContaining("3 pins for 2 relays");
  }

  @Test
  void usersSpreadEvenlyOverTheRelays() {
    int[] counts = new int[3];
    for (int i = 0; i < 3000; i++) {
      counts[AccessKey.spreadStart("token-" + i, 3)]++;
    }
    for (int c : counts) {
      assertThat(c).isBetween(850, 1150);
    }
  }

  @Test
  void badMultiRelayKeysSayWhatIsWrongWithoutTheToken() {
    assertThatThrownBy(() -> AccessKey.parseAll("sidestep://u:secret@a.example:443,#x"))
        .hasMessageContaining("relay '' in the list")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> AccessKey.parseAll("sidestep://secret@a.example:443,b:1"))
        .hasMessageContaining("no NAME:TOKEN")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> AccessKey.parse("sidestep://u:secret@a.example:443,b.example:443"))
        .hasMessageContaining("names several relays")
        .hasMessageNotContaining("secret");
  }

  private static List<Destination> hosts() {
    return List.of(Destination.of("a.example", 443), Destination.of("b.example", 443));
  }
}
