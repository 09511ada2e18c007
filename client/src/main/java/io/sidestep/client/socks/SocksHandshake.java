package io.sidestep.client.socks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.socksx.v5.DefaultSocks5CommandResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5InitialResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5PasswordAuthResponse;
import io.netty.handler.codec.socksx.v5.Socks5AddressDecoder;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5AuthMethod;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequest;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.handler.codec.socksx.v5.Socks5CommandType;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequest;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequest;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.client.dial.Dispatcher;
import io.sidestep.client.dial.DoorReply;
import io.sidestep.core.net.Failure;
import io.sidestep.core.net.Printable;
import io.sidestep.core.netty.Channels;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.netty.Failures;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Decision;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one SOCKS5 handshake: method selection, optional user/password, then the command. A CONNECT
 * is handed to the {@link Dispatcher} and this handler leaves the pipeline; anything malformed
 * closes the connection (after a reply code where the protocol has one).
 */
final class SocksHandshake extends ChannelInboundHandlerAdapter {

  static final String NAME = "socks-handshake";
  static final String ENCODER = "socks-encoder";
  static final String DECODER = "socks-decoder";

  private static final Logger LOG = LoggerFactory.getLogger(SocksHandshake.class);

  private final String door;
  private final Dispatcher dispatcher;
  private final Optional<SocksLogin> login;
  private final Duration timeout;
  private ScheduledFuture<?> timer;
  private SocksLogin.FailureListener listener = SocksLogin.FailureListener.NONE;

  SocksHandshake(String door, Dispatcher dispatcher, Optional<SocksLogin> login, Duration timeout) {
    this.door = door;
    this.dispatcher = dispatcher;
    this.login = login;
    this.timeout = timeout;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    timer =
        ctx.executor()
            .schedule(
                () -> {
                  LOG.debug("{} door: handshake from {} timed out", door, ctx.channel());
                  ctx.close();
                },
                timeout.toMillis(),
                TimeUnit.MILLISECONDS);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.read();
    ctx.fireChannelActive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    timer.cancel(false);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof Socks5InitialRequest init) {
        onInitial(ctx, init);
      } else if (msg instanceof Socks5PasswordAuthRequest auth) {
        onPassword(ctx, auth);
      } else if (msg instanceof Socks5CommandRequest command) {
        onCommand(ctx, command);
      } else if (msg instanceof ByteBuf && ctx.pipeline().get(DECODER) != null) {
        // Bytes the previous phase's decoder left over (a client that pipelines its requests):
        // feed them to the current decoder.
        ctx.pipeline().fireChannelRead(ReferenceCountUtil.retain(msg));
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onInitial(ChannelHandlerContext ctx, Socks5InitialRequest init) {
    if (init.decoderResult().isFailure()) {
      LOG.debug("{} door: bad greeting: {}", door, init.decoderResult().cause().getMessage());
      ctx.close();
      return;
    }
    Socks5AuthMethod wanted =
        login.isPresent() ? Socks5AuthMethod.PASSWORD : Socks5AuthMethod.NO_AUTH;
    if (!init.authMethods().contains(wanted)) {
      ctx.writeAndFlush(new DefaultSocks5InitialResponse(Socks5AuthMethod.UNACCEPTED))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.pipeline()
        .replace(
            DECODER,
            DECODER,
            login.isPresent()
                ? new Socks5PasswordAuthRequestDecoder()
                : new Socks5CommandRequestDecoder(ADDRESSES));
    ctx.writeAndFlush(new DefaultSocks5InitialResponse(wanted)).addListener(readNext(ctx));
  }

  private void onPassword(ChannelHandlerContext ctx, Socks5PasswordAuthRequest auth) {
    if (auth.decoderResult().isFailure()) {
      ctx.close();
      return;
    }
    Optional<SocksLogin.FailureListener> admitted =
        login.orElseThrow().check(auth.username(), auth.password());
    if (admitted.isEmpty()) {
      LOG.info("{} door: wrong credentials from {}", door, ctx.channel().remoteAddress());
      ctx.writeAndFlush(new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.FAILURE))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    listener = admitted.get();
    ctx.pipeline().replace(DECODER, DECODER, new Socks5CommandRequestDecoder(ADDRESSES));
    ctx.writeAndFlush(new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.SUCCESS))
        .addListener(readNext(ctx));
  }

  private void onCommand(ChannelHandlerContext ctx, Socks5CommandRequest command) {
    if (command.decoderResult().isFailure()) {
      Throwable why = command.decoderResult().cause();
      LOG.debug(
          "{} door: bad request: {}", door, Printable.escape(String.valueOf(why.getMessage())));
      if (Failures.kindOf(why) == Failure.UNSUPPORTED_ADDRESS_TYPE) {
        refuse(ctx, Socks5CommandStatus.ADDRESS_UNSUPPORTED);
      } else if (why.getCause() instanceof IllegalArgumentException) {
        // A well-formed request for a name Netty will not take (a label over 63 characters, say):
        // answered as a destination that cannot be used, like a name with control characters.
        refuse(ctx, Socks5CommandStatus.FAILURE);
      } else {
        ctx.close();
      }
      return;
    }
    if (command.type() != Socks5CommandType.CONNECT) {
      refuse(ctx, Socks5CommandStatus.COMMAND_UNSUPPORTED);
      return;
    }
    Destination destination;
    try {
      destination = Destination.of(command.dstAddr(), command.dstPort());
    } catch (IllegalArgumentException e) {
      LOG.debug("{} door: bad destination: {}", door, e.getMessage());
      refuse(ctx, Socks5CommandStatus.FAILURE);
      return;
    }
    timer.cancel(false);
    // Data sent right behind the CONNECT is kept for the tunnel, not lost.
    ctx.pipeline().addAfter(NAME, HeldBytes.NAME, new HeldBytes());
    ctx.pipeline().remove(DECODER);
    ctx.pipeline().remove(this);
    dispatcher.dispatch(ctx.channel(), destination, door, new Reply(ctx, listener));
  }

  /** Netty's address decoder, with an address type it does not know made a failure of its kind. */
  private static final Socks5AddressDecoder ADDRESSES =
      (type, in) -> {
        if (type.equals(Socks5AddressType.IPv4)
            || type.equals(Socks5AddressType.DOMAIN)
            || type.equals(Socks5AddressType.IPv6)) {
          return Socks5AddressDecoder.DEFAULT.decodeAddress(type, in);
        }
        throw new UnsupportedAddressType(type);
      };

  private static final class UnsupportedAddressType extends DecoderException
      implements Failure.Kinded {
    private static final long serialVersionUID = 1L;

    UnsupportedAddressType(Socks5AddressType type) {
      super(
          "SOCKS5 address type "
              + (type.byteValue() & 0xff)
              + " (expected: 1 for IPv4, 3 for a name, 4 for IPv6)");
    }

    @Override
    public Failure failure() {
      return Failure.UNSUPPORTED_ADDRESS_TYPE;
    }
  }

  private static void refuse(ChannelHandlerContext ctx, Socks5CommandStatus status) {
    ctx.writeAndFlush(new DefaultSocks5CommandResponse(status, Socks5AddressType.IPv4))
        .addListener(ChannelFutureListener.CLOSE);
  }

  private static ChannelFutureListener readNext(ChannelHandlerContext ctx) {
    return f -> {
      if (f.isSuccess()) {
        ctx.read();
      } else {
        ctx.close();
      }
    };
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
      // The client stopped sending in the middle of its handshake: nothing more can come.
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("{} door: closing {} after {}", door, ctx.channel(), cause.toString());
    ctx.close();
  }

  /** The SOCKS5 command reply for the core's outcome. */
  private static final class Reply implements DoorReply {
    private final ChannelHandlerContext ctx;
    private final SocksLogin.FailureListener listener;

    Reply(ChannelHandlerContext ctx, SocksLogin.FailureListener listener) {
      this.ctx = ctx;
      this.listener = listener;
    }

    @Override
    public ChannelFuture succeed() {
      ChannelFuture f =
          ctx.channel()
              .writeAndFlush(
                  new DefaultSocks5CommandResponse(
                      Socks5CommandStatus.SUCCESS, Socks5AddressType.IPv4, "0.0.0.0", 0));
      f.addListener(
          x -> {
            if (ctx.channel().pipeline().get(ENCODER) != null) {
              ctx.channel().pipeline().remove(ENCODER);
            }
          });
      return f;
    }

    /** The internal hop of the HTTP door (a listener of its own) turns failures into pages. */
    @Override
    public boolean answersEarly() {
      return listener == SocksLogin.FailureListener.NONE;
    }

    @Override
    public void fail(Decision decision, DialException cause) {
      listener.failed(decision, cause);
      ctx.channel()
          .writeAndFlush(
              new DefaultSocks5CommandResponse(status(cause.kind()), Socks5AddressType.IPv4))
          .addListener(x -> Channels.closeOnFlush(ctx.channel()));
    }
  }

  static Socks5CommandStatus status(DialException.Kind kind) {
    return switch (kind) {
      case REJECTED, RELAY_REFUSED -> Socks5CommandStatus.FORBIDDEN;
      case CONNECTION_REFUSED -> Socks5CommandStatus.CONNECTION_REFUSED;
      case NAME_NOT_RESOLVED, UNREACHABLE, TIMEOUT, RELAY_UNREACHABLE_DESTINATION ->
          Socks5CommandStatus.HOST_UNREACHABLE;
      case RELAY_UNAVAILABLE, OVERLOADED, GENERAL -> Socks5CommandStatus.FAILURE;
    };
  }
}
