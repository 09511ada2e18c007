package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Date;

/**
 * Responses in the manner of a stock nginx: its {@code Server} header, its header order, its terse
 * error pages. Strangers must not be able to tell the relay from an ordinary web server, so nothing
 * here ever carries a {@code Proxy-*} or {@code Via} header.
 */
public final class HttpResponses {
  private HttpResponses() {}

  public static final String SERVER = "nginx";

  /** An nginx-style error page for {@code status}, with nginx's reason phrases. */
  public static byte[] errorPage(HttpResponseStatus status) {
    return errorPage(status, null);
  }

  static byte[] errorPage(HttpResponseStatus status, String detail) {
    String title = status.code() + " " + reason(status);
    String body =
        "<html>\r\n<head><title>"
            + (detail == null ? title : status.code() + " " + detail)
            + "</title></head>\r\n<body>\r\n<center><h1>"
            + title
            + "</h1></center>\r\n"
            + (detail == null ? "" : "<center>" + detail + "</center>\r\n")
            + "<hr><center>"
            + SERVER
            + "</center>\r\n</body>\r\n</html>\r\n";
    return body.getBytes(StandardCharsets.US_ASCII);
  }

  /** nginx's own reason phrases where they differ from the RFC's. */
  static String reason(HttpResponseStatus status) {
    return switch (status.code()) {
      case 405 -> "Not Allowed";
      case 413 -> "Request Entity Too Large";
      case 414 -> "Request-URI Too Large";
      default -> status.reasonPhrase();
    };
  }

  /** A complete response; for HEAD the body is left out but Content-Length still counts it. */
  public static FullHttpResponse response(
      ByteBufAllocator alloc,
      HttpResponseStatus status,
      String contentType,
      byte[] body,
      boolean head,
      boolean keepAlive) {
    ByteBuf content = head || body.length == 0 ? alloc.buffer(0) : alloc.buffer(body.length);
    if (!head) {
      content.writeBytes(body);
    }
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, new HttpResponseStatus(status.code(), reason(status)), content);
    // nginx's capitalisation and order; Netty's constants are lower case, which nginx never sends.
    r.headers()
        .set("Server", SERVER)
        .set("Date", DateFormatter.format(new Date()))
        .set("Content-Type", contentType)
        .set("Content-Length", body.length)
        .set("Connection", keepAlive ? "keep-alive" : "close");
    return r;
  }

  /** An nginx error page as a response. */
  public static FullHttpResponse error(
      ByteBufAllocator alloc, HttpResponseStatus status, boolean head, boolean keepAlive) {
    return response(alloc, status, "text/html", errorPage(status), head, keepAlive);
  }

  /**
   * A short plain-text response for an authenticated user (a refused destination, a failed
   * connect): users may learn why; strangers never see these.
   */
  public static FullHttpResponse forUser(
      ByteBufAllocator alloc, HttpResponseStatus status, String text) {
    return response(
        alloc,
        status,
        "text/plain; charset=utf-8",
        (text + "\n").getBytes(StandardCharsets.UTF_8),
        false,
        false);
  }
}
