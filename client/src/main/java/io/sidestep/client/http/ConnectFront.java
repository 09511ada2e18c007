package io.sidestep.client.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.sidestep.client.dial.Dispatcher;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.route.Destination;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The first handler of every HTTP door connection, in front of LittleProxy's. A plain CONNECT as
 * the connection's first request (what a browser sends for every HTTPS site) is taken by the door
 * itself and given to the core as {@link HandOff} does, before LittleProxy decodes it: its request
 * objects, its filters and the hand-off's pipeline surgery cost about an eighth of the door's CPU
 * per tunnel (bench/tunnels.sh). Everything else goes to LittleProxy from the first byte that is
 * not {@code CONNECT }, as if this front were not there: plain HTTP, the door's own pages, and
 * every CONNECT this front does not take whole (without the door credentials, with a bad host, with
 * an unusual head). So LittleProxy still gives every answer it gave before, and this front only
 * ever says yes. LittleProxy's handlers are in place behind the front from the start, so its idle
 * timeout still closes a connection that sends nothing.
 */
final class ConnectFront extends ChannelInboundHandlerAdapter {
  static final String NAME = "sidestep-connect-front";

  /** The longest request head taken here: 8 KiB. A longer one is LittleProxy's. */
  static final int MAX_HEAD = 8192;

  private static final byte[] CONNECT = "CONNECT ".getBytes(StandardCharsets.US_ASCII);

  /**
   * A head's line ends (compiled once: {@code String.split} compiles a two-char pattern per call).
   */
  private static final Pattern LINES = Pattern.compile("\r\n");

  private final DoorFilters filters;
  private final Dispatcher dispatcher;
  private ByteBuf head;

  private ConnectFront(DoorFilters filters, Dispatcher dispatcher) {
    this.filters = filters;
    this.dispatcher = dispatcher;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf bytes)) {
      ctx.fireChannelRead(msg);
      return;
    }
    head =
        head == null
            ? bytes
            : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), head, bytes);
    decide(ctx);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (head == null) {
      ctx.fireChannelReadComplete();
    } // else: LittleProxy has seen no byte yet
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    forget();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    forget();
  }

  private void forget() {
    if (head != null) {
      head.release();
      head = null;
    }
  }

  private void decide(ChannelHandlerContext ctx) {
    int start = head.readerIndex();
    int readable = head.readableBytes();
    for (int i = 0; i < Math.min(readable, CONNECT.length); i++) {
      if (head.getByte(start + i) != CONNECT[i]) {
        toLittleProxy(ctx);
        return;
      }
    }
    int end = endOfHead(head);
    if (end < 0) {
      if (end == -2 || readable > MAX_HEAD) {
        toLittleProxy(ctx);
      }
      return; // more to come
    }
    HttpRequest request = parse(head.toString(start, end - start, StandardCharsets.ISO_8859_1));
    Destination destination = request == null ? null : filters.takeable(request);
    if (destination == null) {
      toLittleProxy(ctx);
      return;
    }
    head.readerIndex(end + 4);
    ByteBuf behind = head;
    head = null;
    Channel channel = ctx.channel();
    ChannelPipeline pipeline = ctx.pipeline();
    HandOff.readAsTunnel(channel);
    // LittleProxy's handlers leave, as in HandOff; it has seen the connection open and nothing
    // more, and an idle connection is all it thinks it had.
    while (pipeline.last() != this) {
      pipeline.removeLast();
    }
    pipeline.addAfter(NAME, HeldBytes.NAME, new HeldBytes());
    pipeline.remove(this);
    if (behind.isReadable()) {
      pipeline.fireChannelRead(behind);
    } else {
      behind.release();
    }
    HandOff.dispatch(channel, request, destination, dispatcher);
  }

  /**
   * Where the blank line that ends the head starts; -1 when it has not come yet, -2 when a line
   * ends in a bare LF (LittleProxy's to read: it takes those, and this front would wait forever for
   * a CR LF CR LF that never comes).
   */
  private static int endOfHead(ByteBuf b) {
    int from = b.readerIndex();
    int to = Math.min(b.writerIndex(), from + MAX_HEAD + 4);
    for (int i = from; i < to; i++) {
      if (b.getByte(i) != '\n') {
        continue;
      }
      if (i == from || b.getByte(i - 1) != '\r') {
        return -2;
      }
      if (i - from >= 3 && b.getByte(i - 2) == '\n' && b.getByte(i - 3) == '\r') {
        return i - 3;
      }
    }
    return -1;
  }

  /**
   * The CONNECT in {@code head} (its lines without the blank one), or null when it is anything but
   * plain: a line that does not end in CR LF, a byte that is no printable ASCII, a folded header, a
   * version other than HTTP/1.0 and 1.1. LittleProxy answers those.
   */
  static HttpRequest parse(String head) {
    for (int i = 0; i < head.length(); i++) {
      char c = head.charAt(i);
      if (c >= 0x7f || (c < 0x20 && c != '\t' && c != '\r' && c != '\n')) {
        return null;
      }
      if (c == '\r'
          ? i + 1 >= head.length() || head.charAt(i + 1) != '\n'
          : c == '\n' && (i == 0 || head.charAt(i - 1) != '\r')) {
        return null;
      }
    }
    String[] lines = LINES.split(head, -1);
    String[] first = lines[0].split(" ", -1);
    if (first.length != 3 || !first[0].equals("CONNECT") || first[1].isEmpty()) {
      return null;
    }
    HttpVersion version;
    if (first[2].equals("HTTP/1.1")) {
      version = HttpVersion.HTTP_1_1;
    } else if (first[2].equals("HTTP/1.0")) {
      version = HttpVersion.HTTP_1_0;
    } else {
      return null;
    }
    try {
      HttpRequest request = new DefaultHttpRequest(version, HttpMethod.CONNECT, first[1]);
      for (int i = 1; i < lines.length; i++) {
        String line = lines[i];
        int colon = line.indexOf(':');
        if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
          return null;
        }
        String name = line.substring(0, colon);
        if (name.charAt(name.length() - 1) == ' ' || name.charAt(name.length() - 1) == '\t') {
          return null;
        }
        request.headers().add(name, line.substring(colon + 1).strip());
      }
      return request;
    } catch (IllegalArgumentException e) {
      return null; // a header name or value Netty will not take
    }
  }

  /** LittleProxy reads the connection from here on, starting with what came so far. */
  private void toLittleProxy(ChannelHandlerContext ctx) {
    ByteBuf bytes = head;
    head = null;
    ctx.pipeline().remove(this);
    ctx.fireChannelRead(bytes);
    ctx.fireChannelReadComplete();
  }

  /**
   * LittleProxy's worker threads, which are the core's: each connection LittleProxy accepts gets
   * this front first in its pipeline as it registers, before LittleProxy's initializer adds its own
   * handlers behind it.
   */
  static final class Loops extends AbstractEventExecutorGroup implements EventLoopGroup {
    private final EventLoopGroup group;
    private final DoorFilters filters;
    private final Dispatcher dispatcher;

    Loops(EventLoopGroup group, DoorFilters filters, Dispatcher dispatcher) {
      this.group = group;
      this.filters = filters;
      this.dispatcher = dispatcher;
    }

    @Override
    public ChannelFuture register(Channel channel) {
      install(channel);
      return group.register(channel);
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
      install(promise.channel());
      return group.register(promise);
    }

    @Deprecated
    @Override
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
      install(channel);
      return group.register(channel, promise);
    }

    /** Before LittleProxy's handlers, which its initializer adds once the channel registers. */
    private void install(Channel channel) {
      if (channel.pipeline().get(NAME) == null) {
        channel.pipeline().addFirst(NAME, new ConnectFront(filters, dispatcher));
      }
    }

    @Override
    public EventLoop next() {
      return group.next();
    }

    @Override
    public Iterator<EventExecutor> iterator() {
      return group.iterator();
    }

    @Override
    public boolean isShuttingDown() {
      return group.isShuttingDown();
    }

    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
      return group.terminationFuture(); // the core's loops are the core's to stop
    }

    @Override
    public Future<?> terminationFuture() {
      return group.terminationFuture();
    }

    @Deprecated
    @Override
    public void shutdown() {
      // the core's loops are the core's to stop
    }

    @Override
    public boolean isShutdown() {
      return group.isShutdown();
    }

    @Override
    public boolean isTerminated() {
      return group.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      return group.awaitTermination(timeout, unit);
    }
  }
}
