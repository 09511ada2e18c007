package io.sidestep.core.testing;

import io.sidestep.core.detect.FirstFlight;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A censor on the direct path, for loopback tests: it listens where the lying resolver sends the
 * client (say 127.0.0.2, on the origin's port), reads the first flight, and when its ClientHello
 * SNI or HTTP Host is listed it resets (technique 7 or 9), closes (EOF) or goes silent (technique
 * 8); anything else it forwards to the real origin. The relay reaches the origin without passing
 * here, as it would from abroad.
 */
public final class CensorBox implements AutoCloseable {

  /** What the censor does to a listed host. */
  public enum Action {
    RESET,
    EOF,
    SILENCE,
    /** Answers a plain-HTTP request itself with {@link #BLOCK_PAGE} and closes (technique 10). */
    BLOCK_PAGE,
    /** Lets it through, but only after {@link #slowBy} (technique 12: slow handshakes). */
    SLOW,
    /** Lets it through, the answer at about 100 kB/s (technique 12: slow transfers). */
    THROTTLE
  }

  private volatile long slowMillis = 2200;

  /** How long {@link Action#SLOW} holds a flight before passing it on (2.2 s by default). */
  public CensorBox slowBy(java.time.Duration d) {
    slowMillis = d.toMillis();
    return this;
  }

  /** The page a censor injects: short, titled "Access restricted". */
  public static final String BLOCK_PAGE =
      "<html><head><title>Access restricted</title></head><body>Blocked.</body></html>";

  private final ServerSocket server;
  private final InetSocketAddress origin;
  private final Map<String, Action> listed = new ConcurrentHashMap<>();
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final ExecutorService pool =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "censor-box");
            t.setDaemon(true);
            return t;
          });

  private CensorBox(ServerSocket server, InetSocketAddress origin) {
    this.server = server;
    this.origin = origin;
    pool.execute(this::accept);
  }

  /**
   * Listens on {@code listen} (port 0 for any) and forwards what it lets through to {@code origin}.
   */
  public static CensorBox start(InetSocketAddress listen, InetSocketAddress origin) {
    try {
      ServerSocket s = new ServerSocket();
      s.bind(listen);
      return new CensorBox(s, origin);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public CensorBox block(String host, Action action) {
    listed.put(host.toLowerCase(Locale.ROOT), action);
    return this;
  }

  public InetAddress address() {
    return server.getInetAddress();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** The hosts named in first flights so far (SNI or Host), in order. */
  public List<String> seen() {
    return List.copyOf(seen);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        open.add(s);
        pool.execute(() -> handle(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void handle(Socket s) {
    try {
      InputStream in = s.getInputStream();
      byte[] buf = new byte[FirstFlight.MAX_CLIENT_HELLO];
      int n = 0;
      FirstFlight flight = new FirstFlight.NeedMore();
      while (flight.incomplete() && n < buf.length) {
        int r = in.read(buf, n, buf.length - n);
        if (r < 0) {
          s.close();
          return;
        }
        n += r;
        flight = FirstFlight.inspect(buf, 0, n);
      }
      String host = flight.namedHost().orElse("");
      seen.add(host);
      Action action = listed.get(host);
      if (action == Action.RESET) {
        s.setSoLinger(true, 0);
        s.close();
        return;
      }
      if (action == Action.EOF) {
        s.close();
        return;
      }
      if (action == Action.BLOCK_PAGE) {
        byte[] body = BLOCK_PAGE.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        OutputStream out = s.getOutputStream();
        out.write(
            ("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                    + body.length
                    + "\r\nConnection: close\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        s.close();
        return;
      }
      if (action == Action.SILENCE) {
        while (in.read(buf) >= 0) {
          // swallow everything, answer nothing
        }
        s.close();
        return;
      }
      if (action == Action.SLOW) {
        try {
          Thread.sleep(slowMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          s.close();
          return;
        }
      }
      Socket up = new Socket();
      open.add(up);
      up.connect(origin, 2000);
      up.getOutputStream().write(Arrays.copyOf(buf, n));
      if (action == Action.THROTTLE) {
        pool.execute(() -> throttled(up, s));
      } else {
        pool.execute(() -> pipe(up, s));
      }
      pipe(s, up);
    } catch (IOException e) {
      close(s);
    }
  }

  private static void pipe(Socket from, Socket to) {
    copy(from, to, 16384, 0);
  }

  /** Copies at about 100 kB/s: 8 KiB, then 80 ms of rest. */
  private static void throttled(Socket from, Socket to) {
    copy(from, to, 8192, 80);
  }

  /** Copies until the end, resting {@code restMillis} (when positive) after each chunk. */
  private static void copy(Socket from, Socket to, int chunk, long restMillis) {
    byte[] buf = new byte[chunk];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int r;
      while ((r = in.read(buf)) >= 0) {
        out.write(buf, 0, r);
        if (restMillis > 0) {
          out.flush();
          Thread.sleep(restMillis);
        }
      }
      to.shutdownOutput();
    } catch (IOException e) {
      close(from);
      close(to);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close(from);
      close(to);
    }
  }

  private static void close(Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    close(server);
    open.forEach(CensorBox::close);
    pool.shutdownNow();
  }
}
