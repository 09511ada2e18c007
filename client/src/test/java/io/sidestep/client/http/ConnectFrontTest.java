package io.sidestep.client.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

/**
 * What the HTTP door's front takes as a plain CONNECT; everything it refuses here goes to
 * LittleProxy (see HttpDoorTest for both paths through a running door).
 */
class ConnectFrontTest {

  @Test
  void aBrowsersConnectIsParsedWithItsHeaders() {
    HttpRequest r =
        ConnectFront.parse(
            "CONNECT example.com:443 HTTP/1.1\r\n"
                + "Host: example.com:443\r\n"
                + "Proxy-Connection: keep-alive\r\n"
                + "Proxy-Authorization:   Basic dTpw  \r\n"
                + "User-Agent: Mozilla/5.0 (X11; Linux x86_64)");
    assertThat(r).isNotNull();
    assertThat(r.method()).isEqualTo(HttpMethod.CONNECT);
    assertThat(r.uri()).isEqualTo("example.com:443");
    assertThat(r.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
    assertThat(r.headers().get("proxy-authorization")).isEqualTo("Basic dTpw");
    assertThat(r.headers().get("User-Agent")).isEqualTo("Mozilla/5.0 (X11; Linux x86_64)");
  }

  @Test
  void http10AndNoHeadersAreFine() {
    HttpRequest r = ConnectFront.parse("CONNECT 192.0.2.1:443 HTTP/1.0");
    assertThat(r).isNotNull();
    assertThat(r.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_0);
    assertThat(r.headers().isEmpty()).isTrue();
  }

  @Test
  void anythingUnusualIsLeftToLittleProxy() {
    assertThat(ConnectFront.parse("CONNECT a:443 HTTP/1.1\nHost: a:443")).as("bare LF").isNull();
    assertThat(ConnectFront.parse("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n folded")).isNull();
    assertThat(ConnectFront.parse("CONNECT a:443 HTTP/2.0")).as("version").isNull();
    assertThat(ConnectFront.parse("CONNECT  a:443 HTTP/1.1")).as("two spaces").isNull();
    assertThat(ConnectFront.parse("CONNECT a:443")).as("HTTP/0.9 shape").isNull();
    assertThat(ConnectFront.parse("CONNECT a:443 HTTP/1.1\r\nHost : a")).as("space").isNull();
    assertThat(ConnectFront.parse("CONNECT a:443 HTTP/1.1\r\nNo colon")).isNull();
    assertThat(ConnectFront.parse("CONNECT a:443 HTTP/1.1\r\nX: \u0001")).as("control").isNull();
    assertThat(ConnectFront.parse("CONNECT a\u00e9:443 HTTP/1.1")).as("not ASCII").isNull();
    assertThat(ConnectFront.parse("CONNECT a:443 HTTP/1.1\r\nX: a\rb")).as("lone CR").isNull();
    assertThat(ConnectFront.parse("GET / HTTP/1.1")).isNull();
  }
}
