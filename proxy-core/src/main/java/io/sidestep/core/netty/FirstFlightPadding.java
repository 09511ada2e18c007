package io.sidestep.core.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.FastThreadLocal;
import java.security.SecureRandom;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pads the first flights of a tunnel, so that the sizes of what it carries (an inner TLS handshake,
 * say) do not show through the records of the link around it, as naiveproxy does.
 *
 * <p>The first {@value #FRAMES} frames each way are framed: payload length (2 bytes, big-endian, 1
 * to 65,535), padding length (1 byte, drawn at random from 0 to 255), the payload, then that many
 * zero bytes. Each of the first writes becomes one frame (a write of more than 65,535 bytes
 * several); reads take the first {@value #FRAMES} frames apart whatever their split or coalescence.
 * After that, bytes pass untouched both ways. A frame that breaks the format (an empty payload,
 * padding that is not zeros) closes the connection quietly.
 *
 * <p>Both ends must agree to pad: the client offers it with the header {@value #HEADER} (a filler
 * of random length, {@link #filler()}) in its CONNECT request and pads only if the relay's 200
 * carries the header too; the relay pads only when asked. So an end without padding still talks to
 * one with it, unpadded. The handler sits between TLS and the tunnel's own handlers, with {@code
 * AUTO_READ} off or on.
 */
public final class FirstFlightPadding extends ChannelDuplexHandler {

  /** The name this handler has in a pipeline. */
  public static final String NAME = "padding";

  /** The header that offers padding in a CONNECT request and accepts it in the answer. */
  public static final String HEADER = "Padding";

  /** {@link #HEADER} as HTTP/2 writes header names (lower case). */
  public static final String H2_HEADER = "padding";

  /** Frames padded each way: {@value}. */
  public static final int FRAMES = 8;

  static final int MAX_PAYLOAD = 0xffff;
  static final int MAX_PADDING = 0xff;

  private static final Logger LOG = LoggerFactory.getLogger(FirstFlightPadding.class);
  private static final Random RANDOM = new Drawn();

  private enum Part {
    HEADER,
    PAYLOAD,
    PADDING,
    DONE,
    BROKEN
  }

  private final Random random;
  private int framesWritten;
  private int framesRead;
  private Part part = Part.HEADER;
  private final byte[] header = new byte[3];
  private int headerBytes;
  private int payloadLeft;
  private int paddingLeft;
  private boolean firedRead;

  public FirstFlightPadding() {
    this(RANDOM);
  }

  /** With {@code random} drawing the padding lengths (tests). */
  FirstFlightPadding(Random random) {
    this.random = random;
  }

  /** A header value of random length (16 to 32 characters), so the request's size varies too. */
  public static String filler() {
    return "~".repeat(16 + RANDOM.nextInt(17));
  }

  // ---- writes ----

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (framesWritten >= FRAMES || !(msg instanceof ByteBuf in) || !in.isReadable()) {
      ctx.write(msg, promise);
      return;
    }
    try {
      ByteBuf out = ctx.alloc().buffer(in.readableBytes() + 3 + MAX_PADDING);
      while (in.isReadable() && framesWritten < FRAMES) {
        int n = Math.min(in.readableBytes(), MAX_PAYLOAD);
        int padding = random.nextInt(MAX_PADDING + 1);
        out.writeShort(n).writeByte(padding).writeBytes(in, n).writeZero(padding);
        framesWritten++;
      }
      out.writeBytes(in); // what is left once the padded frames are used up goes as it is
      ctx.write(out, promise);
    } finally {
      in.release();
    }
  }

  // ---- reads ----

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (part == Part.DONE || !(msg instanceof ByteBuf in)) {
      firedRead = true;
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      while (in.isReadable() && part != Part.BROKEN) {
        switch (part) {
          case HEADER -> readHeader(in);
          case PAYLOAD -> {
            int n = Math.min(payloadLeft, in.readableBytes());
            payloadLeft -= n;
            if (payloadLeft == 0) {
              part = paddingLeft == 0 ? frameDone() : Part.PADDING;
            }
            firedRead = true;
            ctx.fireChannelRead(in.readRetainedSlice(n));
          }
          case PADDING -> {
            int n = Math.min(paddingLeft, in.readableBytes());
            if (in.forEachByte(in.readerIndex(), n, b -> b == 0) != -1) {
              broken(ctx, "padding that is not zeros");
              return;
            }
            in.skipBytes(n);
            paddingLeft -= n;
            if (paddingLeft == 0) {
              part = frameDone();
            }
          }
          case DONE -> {
            firedRead = true;
            ctx.fireChannelRead(in.readRetainedSlice(in.readableBytes()));
          }
          case BROKEN -> in.skipBytes(in.readableBytes());
        }
        if (part == Part.PAYLOAD && payloadLeft == 0) {
          broken(ctx, "a frame with no payload");
          return;
        }
      }
    } finally {
      in.release();
    }
  }

  private void readHeader(ByteBuf in) {
    int n = Math.min(header.length - headerBytes, in.readableBytes());
    in.readBytes(header, headerBytes, n);
    headerBytes += n;
    if (headerBytes == header.length) {
      headerBytes = 0;
      payloadLeft = (header[0] & 0xff) << 8 | (header[1] & 0xff);
      paddingLeft = header[2] & 0xff;
      part = Part.PAYLOAD;
    }
  }

  private Part frameDone() {
    return ++framesRead >= FRAMES ? Part.DONE : Part.HEADER;
  }

  private void broken(ChannelHandlerContext ctx, String what) {
    part = Part.BROKEN;
    LOG.debug("{}: {} in padded frame {}; closing", ctx.channel(), what, framesRead + 1);
    ctx.close();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (firedRead) {
      firedRead = false;
      ctx.fireChannelReadComplete();
    } else if (part != Part.BROKEN && !ctx.channel().config().isAutoRead()) {
      // Only framing came in (a header, padding): nobody above will ask for more, so ask here.
      ctx.read();
    }
  }

  /**
   * Padding lengths from {@link SecureRandom}, drawn {@value #BATCH} bytes at a time per thread:
   * asking the shared generator for every frame (sixteen and more draws per tunnel) took its lock
   * and read the system's random source once per tunnel. The lengths stay as unpredictable; only
   * the draws are batched.
   */
  static final class Drawn extends Random {
    static final int BATCH = 512;
    private static final SecureRandom SOURCE = new SecureRandom();
    private static final FastThreadLocal<Batch> BATCHES =
        new FastThreadLocal<>() {
          @Override
          protected Batch initialValue() {
            return new Batch();
          }
        };

    private static final class Batch {
      final byte[] bytes = new byte[BATCH];
      int used = BATCH;
    }

    @Override
    protected int next(int bits) {
      Batch b = BATCHES.get();
      if (b.used > BATCH - 4) {
        SOURCE.nextBytes(b.bytes);
        b.used = 0;
      }
      byte[] x = b.bytes;
      int i = b.used;
      b.used = i + 4;
      int v =
          (x[i] & 0xff) << 24 | (x[i + 1] & 0xff) << 16 | (x[i + 2] & 0xff) << 8 | x[i + 3] & 0xff;
      return v >>> (32 - bits);
    }
  }
}
