package io.sidestep.lab;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;

/**
 * A backend that is slow for everyone: every request is answered with one page, after a delay.
 * nginx cannot delay an answer, so the lab's origin for the slow site proxies to this, run in the
 * web namespace as {@code java -cp TEST-CLASSES io.sidestep.lab.SlowBackend HOST PORT MILLIS FILE}.
 */
final class SlowBackend {
  private SlowBackend() {}

  public static void main(String[] args) throws IOException {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    long delay = Long.parseLong(args[2]);
    byte[] page = Files.readAllBytes(Path.of(args[3]));
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            ex.getRequestBody().readAllBytes();
            Thread.sleep(delay);
            ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            ex.sendResponseHeaders(200, page.length);
            try (OutputStream out = ex.getResponseBody()) {
              out.write(page);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    System.out.println("slow backend on " + host + ":" + port + ", " + delay + " ms");
  }
}
