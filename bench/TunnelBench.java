import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Load generator for bench/tunnels.sh, run as a single-file program ({@code java
 * TunnelBench.java}). No dependencies: blocking sockets, one thread per concurrent worker, SOCKS5
 * and HTTP CONNECT handshakes written by hand so that the generator costs far less than the tunnels
 * it measures.
 *
 * <pre>
 *   java TunnelBench.java hold HOST:PORT...     holds every accepted connection idle; answers one
 *                                               byte for the first byte it reads (proof that the
 *                                               tunnel reaches it)
 *   java TunnelBench.java run PATHS-FILE SIZE_MIB RUNS REQUESTS MAX_SECONDS IDLE_COUNTS
 * </pre>
 *
 * A line of PATHS-FILE: {@code name mode entry target holdEntry holdTarget clientPids relayPids},
 * where mode is plain (the entry forwards to a fixed origin, as stunnel does), socks5, connect
 * (HTTP CONNECT) or absolute (an absolute-form GET to an HTTP proxy); "-" for what does not apply;
 * pids are comma-separated, and each process's children count with it.
 */
public final class TunnelBench {
  private static final int TIMEOUT_MS = 30_000;

  record Spec(
      String name,
      String mode,
      String entry,
      String target,
      String holdEntry,
      String holdTarget,
      List<Integer> clientPids,
      List<Integer> relayPids) {
    List<Integer> allPids() {
      List<Integer> all = new ArrayList<>(clientPids);
      all.addAll(relayPids);
      return all;
    }
  }

  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    if (args.length > 0 && args[0].equals("hold")) {
      hold(Arrays.copyOfRange(args, 1, args.length));
    } else if (args.length == 7 && args[0].equals("run")) {
      run(args);
    } else {
      System.err.println(
          "usage: TunnelBench hold HOST:PORT... | run PATHS SIZE_MIB RUNS REQUESTS MAX_SECONDS"
              + " IDLE_COUNTS");
      System.exit(2);
    }
  }

  // ---------------------------------------------------------------- hold server

  private static void hold(String[] addresses) throws IOException {
    Selector selector = Selector.open();
    for (String a : addresses) {
      ServerSocketChannel server = ServerSocketChannel.open();
      server.bind(address(a), 4096);
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
    }
    ByteBuffer in = ByteBuffer.allocate(4096);
    ByteBuffer reply = ByteBuffer.wrap(new byte[] {'y'});
    while (true) {
      selector.select();
      for (SelectionKey key : selector.selectedKeys()) {
        try {
          if (key.isAcceptable()) {
            SocketChannel c;
            while ((c = ((ServerSocketChannel) key.channel()).accept()) != null) {
              c.configureBlocking(false);
              c.register(selector, SelectionKey.OP_READ);
            }
          } else if (key.isReadable()) {
            SocketChannel c = (SocketChannel) key.channel();
            in.clear();
            int n = c.read(in);
            if (n < 0) {
              key.cancel();
              c.close();
            } else if (n > 0) {
              reply.rewind();
              c.write(reply); // one byte always fits an empty send buffer
            }
          }
        } catch (IOException e) {
          key.cancel();
          key.channel().close();
        }
      }
      selector.selectedKeys().clear();
    }
  }

  // ---------------------------------------------------------------- one connection

  /** A connection through a path, with its own read buffer (no byte-at-a-time reads). */
  static final class Conn implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    final byte[] buf;
    int pos;
    int lim;
    long firstByteNanos;
    long openedNanos; // when the door's answer had come (the tunnel was open)

    Conn(Socket socket, int bufferSize) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
      this.buf = new byte[bufferSize];
    }

    int fill() throws IOException {
      if (pos == lim) {
        pos = 0;
        lim = 0;
      }
      int n = in.read(buf, lim, buf.length - lim);
      if (n < 0) {
        throw new IOException("closed by the peer");
      }
      if (firstByteNanos == 0) {
        firstByteNanos = System.nanoTime();
      }
      lim += n;
      return n;
    }

    byte readByte() throws IOException {
      if (pos == lim) {
        fill();
      }
      return buf[pos++];
    }

    void readFully(byte[] dst) throws IOException {
      for (int i = 0; i < dst.length; i++) {
        dst[i] = readByte();
      }
    }

    /** Reads an HTTP head up to the blank line; returns it without the final CRLF CRLF. */
    String readHead() throws IOException {
      StringBuilder head = new StringBuilder(256);
      while (true) {
        char c = (char) (readByte() & 0xff);
        head.append(c);
        int n = head.length();
        if (n >= 4 && c == '\n' && head.charAt(n - 2) == '\r' && head.charAt(n - 3) == '\n') {
          return head.substring(0, n - 4);
        }
        if (n > 65536) {
          throw new IOException("HTTP head over 64 KiB");
        }
      }
    }

    /** Skips {@code count} body bytes; returns how many it read. */
    long skip(long count) throws IOException {
      long left = count;
      int buffered = Math.min(lim - pos, (int) Math.min(left, Integer.MAX_VALUE));
      pos += buffered;
      left -= buffered;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new IOException("closed by the peer after " + (count - left) + " bytes");
        }
        left -= n;
      }
      return count;
    }

    void write(String s) throws IOException {
      out.write(s.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(
        hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  /** Opens a tunnel through {@code mode} at {@code entry} to {@code target}. */
  static Conn open(String mode, String entry, String target, int bufferSize) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(address(entry), TIMEOUT_MS);
      s.setSoTimeout(TIMEOUT_MS);
      Conn c = new Conn(s, bufferSize);
      switch (mode) {
        case "plain", "absolute" -> {}
        case "socks5" -> socks5(c, target);
        case "connect" -> {
          c.write("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
          String head = c.readHead();
          if (!head.matches("HTTP/1\\.[01] 200[ \r].*(?s).*")) {
            throw new IOException("CONNECT refused: " + head.lines().findFirst().orElse(""));
          }
        }
        default -> throw new IllegalArgumentException("mode: " + mode);
      }
      c.firstByteNanos = 0;
      c.openedNanos = System.nanoTime();
      return c;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  static void socks5(Conn c, String target) throws IOException {
    c.out.write(new byte[] {5, 1, 0});
    c.out.flush();
    byte[] choice = new byte[2];
    c.readFully(choice);
    if (choice[0] != 5 || choice[1] != 0) {
      throw new IOException("SOCKS5 method refused: " + choice[1]);
    }
    int colon = target.lastIndexOf(':');
    String host = target.substring(0, colon);
    int port = Integer.parseInt(target.substring(colon + 1));
    byte[] request;
    if (host.matches("\\d+\\.\\d+\\.\\d+\\.\\d+")) {
      request = new byte[10];
      String[] octets = host.split("\\.");
      request[3] = 1;
      for (int i = 0; i < 4; i++) {
        request[4 + i] = (byte) Integer.parseInt(octets[i]);
      }
    } else {
      byte[] name = host.getBytes(StandardCharsets.US_ASCII);
      request = new byte[7 + name.length];
      request[3] = 3;
      request[4] = (byte) name.length;
      System.arraycopy(name, 0, request, 5, name.length);
    }
    request[0] = 5;
    request[1] = 1;
    request[request.length - 2] = (byte) (port >> 8);
    request[request.length - 1] = (byte) port;
    c.out.write(request);
    c.out.flush();
    byte[] reply = new byte[4];
    c.readFully(reply);
    if (reply[1] != 0) {
      throw new IOException("SOCKS5 connect refused: reply " + reply[1]);
    }
    int skip =
        switch (reply[3]) {
          case 1 -> 4 + 2;
          case 4 -> 16 + 2;
          case 3 -> (c.readByte() & 0xff) + 2;
          default -> throw new IOException("SOCKS5 reply address type " + reply[3]);
        };
    c.readFully(new byte[skip]);
  }

  /** GETs {@code file} through a new tunnel; returns the body length. */
  static long get(Spec p, String file, Conn c) throws IOException {
    String target = p.mode.equals("plain") ? p.entry : p.target;
    String uri = p.mode.equals("absolute") ? "http://" + target + file : file;
    c.write("GET " + uri + " HTTP/1.1\r\nHost: " + target + "\r\nConnection: close\r\n\r\n");
    String head = c.readHead();
    if (!head.startsWith("HTTP/1.1 200") && !head.startsWith("HTTP/1.0 200")) {
      throw new IOException(p.name + ": " + head.lines().findFirst().orElse(""));
    }
    long length = -1;
    for (String line : head.split("\r\n")) {
      if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        length = Long.parseLong(line.substring(15).trim());
      }
    }
    if (length < 0) {
      throw new IOException(p.name + ": no Content-Length");
    }
    return c.skip(length);
  }

  // ---------------------------------------------------------------- /proc

  static Set<Integer> withChildren(List<Integer> pids) throws IOException {
    Set<Integer> all = new HashSet<>(pids);
    boolean grew = !all.isEmpty();
    while (grew) {
      grew = false;
      try (var dirs = Files.list(Path.of("/proc"))) {
        for (Path d : (Iterable<Path>) dirs::iterator) {
          String name = d.getFileName().toString();
          if (!name.chars().allMatch(Character::isDigit)) {
            continue;
          }
          try {
            String[] f = statFields(Integer.parseInt(name));
            int ppid = Integer.parseInt(f[1]);
            if (all.contains(ppid) && all.add(Integer.parseInt(name))) {
              grew = true;
            }
          } catch (IOException gone) {
            // the process ended meanwhile
          }
        }
      }
    }
    return all;
  }

  /** Fields of /proc/PID/stat after the command name: [0] is the state (field 3). */
  static String[] statFields(int pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  /**
   * Half a second between measurements: what the last one left behind (closing connections, a
   * collection, the JIT compiling what it just ran hot) is not counted in the next, of whatever
   * path.
   */
  static void settle() throws InterruptedException {
    Thread.sleep(500);
  }

  /** User plus system CPU time in clock ticks, of the processes and their children. */
  static long cpuTicks(List<Integer> pids) throws IOException {
    long ticks = 0;
    for (int pid : withChildren(pids)) {
      String[] f = statFields(pid);
      ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime (14), stime (15)
    }
    return ticks;
  }

  static long rssKib(List<Integer> pids) throws IOException {
    long kib = 0;
    for (int pid : withChildren(pids)) {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          kib += Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    }
    return kib;
  }

  // ---------------------------------------------------------------- measurements

  static final class Result {
    final List<Double> bulk = new ArrayList<>(); // bytes per second
    final List<Double> cpuPerGib = new ArrayList<>();
    final List<Double> rate1 = new ArrayList<>();
    final List<Double> rate4 = new ArrayList<>();
    final List<Long> ttfb1 = new ArrayList<>(); // nanoseconds
    final List<Long> door1 = new ArrayList<>(); // of which: the connect and the door's answer
    final List<Long> ttfb4 = new ArrayList<>();
    final List<Double> cpuPerConn = new ArrayList<>(); // seconds per connection, one at a time
    final List<Double> clientCpuPerConn = new ArrayList<>(); // the client side's share of it
    final Map<Integer, double[]> idle = new LinkedHashMap<>(); // n -> client, relay KiB/tunnel
    int failures;
    String firstFailure;

    void fail(Exception e) {
      failures++;
      if (firstFailure == null) {
        firstFailure = e.toString();
      }
    }
  }

  static double bulk(Spec p, Result r, long ticksPerSecond) throws IOException {
    long cpu0 = cpuTicks(p.allPids());
    long t0 = System.nanoTime();
    long bytes;
    try (Conn c = open(p.mode, p.entry, p.target, 256 * 1024)) {
      bytes = get(p, "/big.bin", c);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double cpu = (cpuTicks(p.allPids()) - cpu0) / (double) ticksPerSecond;
    if (r != null) {
      r.bulk.add(bytes / seconds);
      r.cpuPerGib.add(cpu / (bytes / (double) (1L << 30)));
    }
    return bytes / seconds;
  }

  /**
   * New connection per 1 KiB request, {@code workers} at a time; returns requests per second. Adds
   * each request's TTFB to {@code ttfbs} and, when not null, the part of it up to the door's answer
   * to {@code doors}.
   */
  static double requests(
      Spec p,
      int workers,
      int count,
      double maxSeconds,
      List<Long> ttfbs,
      List<Long> doors,
      Result r)
      throws InterruptedException {
    AtomicInteger left = new AtomicInteger(count);
    AtomicInteger done = new AtomicInteger();
    long deadline = System.nanoTime() + (long) (maxSeconds * 1e9);
    ConcurrentLinkedQueue<long[]> all = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<long[]> allDoors = new ConcurrentLinkedQueue<>();
    AtomicReference<Exception> failure = new AtomicReference<>();
    AtomicInteger failures = new AtomicInteger();
    Thread[] threads = new Thread[workers];
    long t0 = System.nanoTime();
    for (int w = 0; w < workers; w++) {
      threads[w] =
          new Thread(
              () -> {
                long[] mine = new long[count];
                long[] myDoors = new long[count];
                int n = 0;
                while (left.getAndDecrement() > 0 && System.nanoTime() < deadline) {
                  long start = System.nanoTime();
                  try (Conn c = open(p.mode, p.entry, p.target, 8192)) {
                    get(p, "/small.bin", c);
                    myDoors[n] = c.openedNanos - start;
                    mine[n++] = c.firstByteNanos - start;
                    done.incrementAndGet();
                  } catch (IOException | RuntimeException e) {
                    failures.incrementAndGet();
                    failure.compareAndSet(null, e);
                  }
                }
                all.add(Arrays.copyOf(mine, n));
                allDoors.add(Arrays.copyOf(myDoors, n));
              });
      threads[w].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (ttfbs != null) {
      all.forEach(a -> Arrays.stream(a).forEach(ttfbs::add));
    }
    if (doors != null) {
      allDoors.forEach(a -> Arrays.stream(a).forEach(doors::add));
    }
    if (r != null && failures.get() > 0) {
      for (int i = 0; i < failures.get(); i++) {
        r.fail(failure.get());
      }
    }
    return done.get() / seconds;
  }

  /** Opens {@code n} idle tunnels to the hold server; returns KiB per tunnel, client and relay. */
  static double[] idle(Spec p, int n) throws Exception {
    long client0 = rssKib(p.clientPids);
    long relay0 = rssKib(p.relayPids);
    ConcurrentLinkedQueue<Conn> open = new ConcurrentLinkedQueue<>();
    AtomicInteger left = new AtomicInteger(n);
    AtomicReference<Exception> failure = new AtomicReference<>();
    Thread[] threads = new Thread[4];
    for (int w = 0; w < threads.length; w++) {
      threads[w] =
          new Thread(
              () -> {
                while (failure.get() == null && left.getAndDecrement() > 0) {
                  try {
                    Conn c = open(p.mode, p.holdEntry, p.holdTarget, 16);
                    open.add(c);
                    c.write("x");
                    c.readByte();
                  } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, e);
                  }
                }
              });
      threads[w].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    try {
      if (failure.get() != null) {
        throw new IOException(
            "after " + open.size() + " idle tunnels: " + failure.get(), failure.get());
      }
      Thread.sleep(1000); // let every process finish its bookkeeping
      return new double[] {
        (rssKib(p.clientPids) - client0) / (double) n, (rssKib(p.relayPids) - relay0) / (double) n
      };
    } finally {
      for (Conn c : open) {
        c.close();
      }
      Thread.sleep(2000); // let the processes release them before the next path
    }
  }

  // ---------------------------------------------------------------- the run

  static void run(String[] args) throws Exception {
    List<Spec> paths = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[1]))) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.trim().split("\\s+");
      paths.add(new Spec(f[0], f[1], f[2], f[3], f[4], f[5], pids(f[6]), pids(f[7])));
    }
    long sizeMib = Long.parseLong(args[2]);
    int runs = Integer.parseInt(args[3]);
    int count = Integer.parseInt(args[4]);
    double maxSeconds = Double.parseDouble(args[5]);
    List<Integer> idleCounts = new ArrayList<>();
    for (String s : args[6].split(",")) {
      if (!s.isBlank() && Integer.parseInt(s) > 0) {
        idleCounts.add(Integer.parseInt(s));
      }
    }
    long tick =
        Long.parseLong(
            new String(
                    new ProcessBuilder("getconf", "CLK_TCK")
                        .start()
                        .getInputStream()
                        .readAllBytes())
                .trim());
    Map<String, Result> results = new LinkedHashMap<>();
    for (Spec p : paths) {
      results.put(p.name, new Result());
    }

    // Warm-up: the JITs compile the hot paths, TLS session caches fill; nothing is recorded. Each
    // path is run as it will be measured, twice over: code compiled while one path ran is often
    // compiled again once the next path (another door on the same client) has run through it, and
    // a JIT still at work in round 1 was seen to double the first path's CPU per connection.
    Set<String> warmUpFailed = new java.util.HashSet<>();
    for (int pass = 1; pass <= 2; pass++) {
      log("warm-up " + pass + " of 2");
      for (Spec p : paths) {
        if (warmUpFailed.contains(p.name)) {
          continue; // failed once: counted once
        }
        try {
          bulk(p, null, tick);
          requests(p, 1, Math.min(count, 1000), maxSeconds, null, null, null);
          requests(p, 4, Math.min(count, 2000), maxSeconds, null, null, null);
        } catch (Exception e) {
          warmUpFailed.add(p.name);
          results.get(p.name).fail(e);
          log(p.name + " warm-up failed: " + e);
        }
      }
    }
    // Rounds take the paths in turn, so that whatever else the machine does falls on all alike.
    for (int round = 1; round <= runs; round++) {
      log("round " + round + " of " + runs);
      for (Spec p : paths) {
        Result r = results.get(p.name);
        try {
          settle();
          log(p.name + ": download");
          bulk(p, r, tick);
        } catch (Exception e) {
          r.fail(e);
        }
        settle();
        log(p.name + ": requests one at a time, then four");
        long cpu0 = cpuTicks(p.allPids());
        long clientCpu0 = cpuTicks(p.clientPids);
        int done0 = r.ttfb1.size();
        r.rate1.add(requests(p, 1, count, maxSeconds, r.ttfb1, r.door1, r));
        int made = r.ttfb1.size() - done0;
        if (made > 0 && !p.allPids().isEmpty()) {
          r.cpuPerConn.add((cpuTicks(p.allPids()) - cpu0) / (double) tick / made);
          r.clientCpuPerConn.add((cpuTicks(p.clientPids) - clientCpu0) / (double) tick / made);
        }
        settle();
        r.rate4.add(requests(p, 4, count, maxSeconds, r.ttfb4, null, r));
      }
    }
    for (int n : idleCounts) {
      log(n + " idle tunnels per path");
      for (Spec p : paths) {
        if (p.holdEntry.equals("-") || p.allPids().isEmpty()) {
          continue;
        }
        try {
          results.get(p.name).idle.put(n, idle(p, n));
        } catch (Exception e) {
          results.get(p.name).fail(e);
          log(p.name + ": " + e.getMessage());
        }
      }
    }
    report(paths, results, sizeMib, runs, count, maxSeconds, idleCounts);
  }

  static List<Integer> pids(String field) {
    List<Integer> pids = new ArrayList<>();
    if (!field.equals("-")) {
      for (String s : field.split(",")) {
        pids.add(Integer.parseInt(s));
      }
    }
    return pids;
  }

  static void log(String s) {
    System.err.println("# " + java.time.LocalTime.now().withNano(0) + " " + s);
  }

  static double median(List<Double> xs) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** Nearest-rank percentile, in milliseconds. */
  static double percentileMs(List<Long> xs, double q) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    List<Long> s = new ArrayList<>(xs);
    s.sort(null);
    int rank = (int) Math.ceil(q * s.size());
    return s.get(Math.max(0, rank - 1)) / 1e6;
  }

  static String num(double v, String format) {
    return Double.isNaN(v) ? "-" : String.format(format, v);
  }

  static void report(
      List<Spec> paths,
      Map<String, Result> results,
      long sizeMib,
      int runs,
      int count,
      double maxSeconds,
      List<Integer> idleCounts) {
    System.out.printf(
        "%d MiB download and %d new-connection 1 KiB requests (at most %.0f s) per path and round;"
            + " %d rounds taking the paths in turn, after two warm-up passes; medians over rounds,"
            + " TTFB percentiles over all requests%n%n",
        sizeMib, count, maxSeconds, runs);
    StringBuilder h = new StringBuilder();
    h.append(
        String.format(
            "%-14s %8s %7s %8s %6s %6s %6s %8s %6s %6s",
            "path",
            "MB/s",
            "CPUs/GiB",
            "conn/s1",
            "p50ms",
            "p99ms",
            "CPUus",
            "conn/s4",
            "p50ms",
            "p99ms"));
    for (int n : idleCounts) {
      h.append(String.format(" %9s", "KiB@" + n));
    }
    h.append(" fail");
    System.out.println(h);
    for (Spec p : paths) {
      Result r = results.get(p.name);
      StringBuilder row = new StringBuilder();
      row.append(
          String.format(
              "%-14s %8s %8s %8s %6s %6s %6s %8s %6s %6s",
              p.name,
              num(median(r.bulk) / 1e6, "%.0f"),
              p.allPids().isEmpty() ? "-" : num(median(r.cpuPerGib), "%.2f"),
              num(median(r.rate1), "%.0f"),
              num(percentileMs(r.ttfb1, 0.50), "%.2f"),
              num(percentileMs(r.ttfb1, 0.99), "%.2f"),
              p.allPids().isEmpty() ? "-" : num(median(r.cpuPerConn) * 1e6, "%.0f"),
              num(median(r.rate4), "%.0f"),
              num(percentileMs(r.ttfb4, 0.50), "%.2f"),
              num(percentileMs(r.ttfb4, 0.99), "%.2f")));
      for (int n : idleCounts) {
        double[] kib = r.idle.get(n);
        row.append(String.format(" %9s", kib == null ? "-" : num(kib[0] + kib[1], "%.1f")));
      }
      row.append(String.format(" %4d", r.failures));
      System.out.println(row);
    }

    if (!idleCounts.isEmpty()) {
      System.out.printf(
          "%nmemory per idle tunnel, KiB (RSS growth / tunnels): client side + relay side%n");
      for (Spec p : paths) {
        if (p.holdEntry.equals("-") || p.allPids().isEmpty()) {
          continue;
        }
        StringBuilder row = new StringBuilder(String.format("%-14s", p.name));
        for (int n : idleCounts) {
          double[] kib = results.get(p.name).idle.get(n);
          String relay = p.relayPids.isEmpty() || kib == null ? "-" : num(kib[1], "%.1f");
          row.append(
              kib == null
                  ? String.format("  @%d: -", n)
                  : String.format("  @%d: %.1f + %s", n, kib[0], relay));
        }
        System.out.println(row);
      }
    }

    System.out.printf(
        "%nCPU microseconds per new connection, one at a time: client side + relay side%n");
    for (Spec p : paths) {
      Result r = results.get(p.name);
      if (p.allPids().isEmpty() || r.cpuPerConn.isEmpty()) {
        continue;
      }
      double client = median(r.clientCpuPerConn) * 1e6;
      String relay =
          p.relayPids.isEmpty() ? "-" : num(median(r.cpuPerConn) * 1e6 - client, "%.0f");
      System.out.printf("%-14s  %.0f + %s%n", p.name, client, relay);
    }

    System.out.printf(
        "%nTTFB p50 one at a time, ms: up to the door's answer (connect, SOCKS or CONNECT"
            + " handshake) + the rest (request to first byte)%n");
    for (Spec p : paths) {
      Result r = results.get(p.name);
      if (p.mode.equals("plain") || p.mode.equals("absolute") || r.door1.isEmpty()) {
        continue;
      }
      double door = percentileMs(r.door1, 0.50);
      System.out.printf(
          "%-14s  %.2f + %.2f%n", p.name, door, percentileMs(r.ttfb1, 0.50) - door);
    }

    System.out.printf("%nratios (same run)%n");
    ratio(results, "SOCKS door relayed conn/s1 vs ss-libev", "socks-relay", "ss-libev", "rate1");
    ratio(results, "HTTP door relayed conn/s1 vs ss-libev", "http-relay", "ss-libev", "rate1");
    ratio(results, "SOCKS door relayed conn/s4 vs ss-libev", "socks-relay", "ss-libev", "rate4");
    ratio(results, "HTTP door relayed conn/s4 vs ss-libev", "http-relay", "ss-libev", "rate4");
    ratio(results, "SOCKS door relayed TTFB p50 vs ss-libev", "socks-relay", "ss-libev", "p50");
    ratio(results, "HTTP door relayed TTFB p50 vs ss-libev", "http-relay", "ss-libev", "p50");
    ratio(results, "SOCKS door relayed bulk vs stunnel", "socks-relay", "stunnel", "bulk");
    ratio(results, "HTTP door relayed bulk vs stunnel", "http-relay", "stunnel", "bulk");
    ratio(results, "SOCKS door relayed CPU/GiB vs stunnel", "socks-relay", "stunnel", "cpu");
    ratio(results, "HTTP door relayed CPU/GiB vs stunnel", "http-relay", "stunnel", "cpu");
    ratio(
        results,
        "HTTP door relayed bulk vs SOCKS door relayed",
        "http-relay",
        "socks-relay",
        "bulk");
    ratio(
        results,
        "HTTP door relayed CPU/GiB vs SOCKS door relayed",
        "http-relay",
        "socks-relay",
        "cpu");
    ratio(
        results, "HTTP door direct bulk vs squid CONNECT", "http-direct", "squid-connect", "bulk");
    ratio(
        results,
        "HTTP door direct conn/s1 vs squid CONNECT",
        "http-direct",
        "squid-connect",
        "rate1");
    ratio(
        results,
        "HTTP door direct conn/s4 vs squid CONNECT",
        "http-direct",
        "squid-connect",
        "rate4");
    for (Spec p : paths) {
      Result r = results.get(p.name);
      if (r.firstFailure != null) {
        System.out.printf("%s: %d failures, first: %s%n", p.name, r.failures, r.firstFailure);
      }
    }
  }

  static void ratio(Map<String, Result> results, String label, String a, String b, String what) {
    Result ra = results.get(a);
    Result rb = results.get(b);
    if (ra == null || rb == null) {
      return;
    }
    double va = value(ra, what);
    double vb = value(rb, what);
    System.out.printf("  %-50s %s%n", label, num(va / vb, "%.2f x"));
  }

  static double value(Result r, String what) {
    return switch (what) {
      case "bulk" -> median(r.bulk);
      case "cpu" -> median(r.cpuPerGib);
      case "rate1" -> median(r.rate1);
      case "rate4" -> median(r.rate4);
      case "p50" -> percentileMs(r.ttfb1, 0.50);
      default -> throw new IllegalArgumentException(what);
    };
  }
}
