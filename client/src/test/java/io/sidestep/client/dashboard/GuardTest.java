package io.sidestep.client.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class GuardTest {
  static final InetSocketAddress DOOR = new InetSocketAddress("127.0.0.1", 8080);

  private static HttpRequest request(HttpMethod method, String... headers) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/api/x");
    for (int i = 0; i < headers.length; i += 2) {
      r.headers().set(headers[i], headers[i + 1]);
    }
    return r;
  }

  @Test
  void onlyTheDoorsOwnNames() {
    for (String ok :
        new String[] {"localhost", "localhost:8080", "LOCALHOST:8080", "127.0.0.1:8080"}) {
      assertThat(Guard.hostAllowed(request(HttpMethod.GET, "Host", ok), DOOR)).as(ok).isTrue();
    }
    for (String bad :
        new String[] {
          "attacker.example:8080",
          "127.0.0.1.nip.io:8080",
          "localhost:8081",
          "127.0.0.2:8080",
          "[::1]:8080",
          "localhost.attacker.example",
          "[::1",
          ""
        }) {
      assertThat(Guard.hostAllowed(request(HttpMethod.GET, "Host", bad), DOOR)).as(bad).isFalse();
    }
    assertThat(
            Guard.hostAllowed(
                request(HttpMethod.GET, "Host", "[::1]:8080"), new InetSocketAddress("::1", 8080)))
        .isTrue();
  }

  @Test
  void changesNeedTokenAndOrigin() {
    Guard g = new Guard();
    String t = g.token();
    assertThat(
            g.changeAllowed(
                request(
                    HttpMethod.POST,
                    "Host",
                    "localhost:8080",
                    "Origin",
                    "http://localhost:8080",
                    Guard.TOKEN_HEADER,
                    t)))
        .isTrue();
    assertThat(
            g.changeAllowed(
                request(
                    HttpMethod.POST,
                    "Host",
                    "localhost:8080",
                    "Origin",
                    "http://attacker.example",
                    Guard.TOKEN_HEADER,
                    t)))
        .isFalse();
    assertThat(
            g.changeAllowed(
                request(
                    HttpMethod.POST, "Host", "localhost:8080", "Origin", "http://localhost:8080")))
        .isFalse();
    assertThat(
            g.changeAllowed(
                request(
                    HttpMethod.GET,
                    "Host",
                    "localhost:8080",
                    "Origin",
                    "http://localhost:8080",
                    Guard.TOKEN_HEADER,
                    t)))
        .isFalse();
    assertThat(new Guard().token()).isNotEqualTo(t);
  }
}
