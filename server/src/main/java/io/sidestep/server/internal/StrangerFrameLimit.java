package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sidestep.core.netty.Http2Link;

/**
 * Closes an HTTP/2 connection without a user on it when a frame it sends declares more than {@link
 * #MAX} bytes. The relay allows frames of 16 MiB, as nginx does, and Netty's codec reads a frame
 * whole before it looks at it: without this, each stranger's connection could make the relay hold
 * 16 MiB, 4 GiB for the 256 connections one address may have. 64 KiB is a stranger's whole stream
 * window, so no DATA frame above it is allowed anyway; nginx would reset that stream, the relay
 * closes the connection. A user's connection ({@link Http2Link#admitted}) is left alone, and the
 * handler leaves the pipeline.
 *
 * <p>Sits between TLS and the codec, reads the frame heads in the bytes as they pass, and passes
 * every byte on unchanged.
 */
final class StrangerFrameLimit extends ChannelInboundHandlerAdapter {

  /** The largest frame payload a stranger may declare: {@value} bytes. */
  static final int MAX = 64 * 1024;

  private static final int HEAD = 9;

  /** What an HTTP/2 client sends first; anything else is the codec's to refuse. */
  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private int prefaceRead;
  private long skip; // payload bytes of the current frame still to pass
  private final byte[] head = new byte[HEAD];
  private int headBytes;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (Http2Link.isAdmitted(ctx.channel())) {
      ctx.pipeline().remove(this);
      ctx.fireChannelRead(msg);
      return;
    }
    if (msg instanceof ByteBuf in) {
      Boolean verdict = read(in);
      if (verdict == Boolean.TRUE) {
        in.release();
        ctx.close();
        return;
      }
      if (verdict == null) {
        ctx.pipeline().remove(this); // no HTTP/2 preface: the codec answers that
      }
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * Reads the frame heads in {@code in} without moving its reader index: whether a frame is too
   * large, or null if the connection did not open with HTTP/2's preface.
   */
  private Boolean read(ByteBuf in) {
    int at = in.readerIndex();
    int end = in.writerIndex();
    while (at < end) {
      if (prefaceRead < PREFACE.length) {
        if (in.getByte(at++) != PREFACE[prefaceRead++]) {
          return null;
        }
      } else if (skip > 0) {
        int n = (int) Math.min(skip, end - at);
        skip -= n;
        at += n;
      } else {
        head[headBytes++] = in.getByte(at++);
        if (headBytes == HEAD) {
          headBytes = 0;
          int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
          if (length > MAX) {
            return Boolean.TRUE;
          }
          skip = length;
        }
      }
    }
    return Boolean.FALSE;
  }
}
