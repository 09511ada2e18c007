package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.sidestep.client.dial.AutoRoute;
import io.sidestep.client.dial.Session;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A destination whose connect never ends holds up only the browser connections that go there: the
 * HTTP door parks no thread while the core connects, so everyone else is served meanwhile.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpDoorSlowConnectTest {

  @Test
  void twoConnectsToASilentDestinationDoNotDelayARequestToAnOpenSite() throws Exception {
    HttpServer origin =
        HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 10);
    origin.createContext(
        "/",
        exchange -> {
          byte[] body = "open".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    origin.start();
    // The core's connect to silent.test never ends until the test fails it.
    List<Session> held = new CopyOnWriteArrayList<>();
    CountDownLatch plainArrived = new CountDownLatch(2);
    AutoRoute silent =
        session -> {
          held.add(session);
          if (session.destination().port() == 80) {
            plainArrived.countDown();
          }
        };
    List<Socket> waiting = new ArrayList<>();
    try (Client client =
        Client.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .socks(new InetSocketAddress("127.0.0.1", 0))
            .threads(1) // one event loop: a parked thread would stall everything
            .router(
                d ->
                    d.host().equals("silent.test")
                        ? new Decision(Action.AUTO, "test: silent.test")
                        : new Decision(Action.DIRECT, "test: everything else"))
            .autoRoute(silent)
            .start()) {
      // Plain requests: LittleProxy used to park its thread for each one's end until its hop was
      // up, for up to 30 s.
      waiting.add(send(client, "GET http://silent.test/a HTTP/1.1\r\nHost: silent.test\r\n\r\n"));
      waiting.add(send(client, "GET http://silent.test/b HTTP/1.1\r\nHost: silent.test\r\n\r\n"));
      assertThat(plainArrived.await(20, TimeUnit.SECONDS))
          .as("both plain requests reached the core")
          .isTrue();
      waiting.add(
          send(client, "CONNECT silent.test:443 HTTP/1.1\r\nHost: silent.test:443\r\n\r\n"));

      HttpClient http =
          HttpClient.newBuilder()
              .proxy(ProxySelector.of(client.httpAddress()))
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      // Well below the 30 s a parked thread waited.
      HttpResponse<String> open =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + origin.getAddress().getPort() + "/"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(open.statusCode()).isEqualTo(200);
      assertThat(open.body()).isEqualTo("open");

      // The silent ones were still waiting; each gets its own answer once its connect fails.
      while (held.size() < 3) {
        Thread.onSpinWait();
      }
      for (Session s : held) {
        s.loop()
            .execute(
                () ->
                    s.fail(
                        "direct",
                        new DialException(
                            DialException.Kind.TIMEOUT,
                            "direct to " + s.destination() + ": gone")));
      }
      for (Socket s : waiting) {
        String head = HttpDoorTest.readHead(s.getInputStream());
        assertThat(head).startsWith("HTTP/1.1 504");
      }
    } finally {
      for (Socket s : waiting) {
        s.close();
      }
      origin.stop(0);
    }
  }

  private static Socket send(Client client, String request) throws java.io.IOException {
    Socket s = new Socket();
    s.connect(client.httpAddress(), 5000);
    s.setSoTimeout(10_000);
    s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    return s;
  }
}
