package io.sidestep.server.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.sidestep.core.netty.Http2Link;
import io.sidestep.server.Limits;
import io.sidestep.server.fleet.SignedToken;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each user's limits, usage and open connections. An authenticated connection is admitted here
 * ({@link #admit}) or refused with a reason the client shows; a user over a data limit or past the
 * expiry date is refused, never slowed. Connections are closed when their user is removed or gets a
 * new token, and ({@link #enforce}, called every second) when the user goes over a limit. Usage is
 * counted from the connection records and saved to the state directory ({@link #save}).
 */
public final class Accounts {

  private static final Logger log = LoggerFactory.getLogger("io.sidestep.server.Users");

  private final Usage usage;
  private final Path usageFile;
  private Metrics metrics;
  private volatile Map<String, UsersFile.Entry> users = Map.of();
  private final Map<String, Set<Channel>> open = new ConcurrentHashMap<>();
  private final Map<String, RateLimit.Bucket> buckets = new ConcurrentHashMap<>();

  /** Connections of signed tokens' holders, by name, with the token each came with. */
  private final Map<String, Map<Channel, SignedToken>> signedOpen = new ConcurrentHashMap<>();

  private final Map<String, RateLimit.Bucket> signedBuckets = new ConcurrentHashMap<>();
  private final FleetTrust fleet;
  private volatile RedisUsage shared;

  public Accounts(Usage usage, Path usageFile) {
    this(usage, usageFile, null);
  }

  /** With {@code fleet} (or null): the trust whose revocations and expiry close connections. */
  public Accounts(Usage usage, Path usageFile, FleetTrust fleet) {
    this.usage = usage;
    this.usageFile = usageFile;
    this.fleet = fleet;
  }

  /** Counts usage in Redis too, and judges quotas by the fleet's figures; set once, at start. */
  public void shared(RedisUsage store) {
    this.shared = store;
  }

  /** Where admissions, refusals and users' bytes are counted; set once, before the first. */
  public void metrics(Metrics m) {
    this.metrics = m;
  }

  /**
   * Takes the users file's new contents; closes the connections of users who are gone or whose
   * token changed.
   */
  public void replace(Map<String, UsersFile.Entry> next) {
    Map<String, UsersFile.Entry> before = users;
    users = Map.copyOf(next);
    buckets.keySet().retainAll(next.keySet());
    open.forEach(
        (name, channels) -> {
          UsersFile.Entry now = next.get(name);
          UsersFile.Entry was = before.get(name);
          if (now == null || (was != null && !Arrays.equals(was.tokenHash(), now.tokenHash()))) {
            closeAll(name, channels, now == null ? "user removed" : "token rotated");
          }
        });
  }

  public int users() {
    return users.size();
  }

  /** Connections open now, of every user. */
  public int openConnections() {
    return open.values().stream().mapToInt(Set::size).sum()
        + signedOpen.values().stream().mapToInt(Map::size).sum();
  }

  /**
   * Admits {@code user}'s connection (once per connection, however many requests it carries) and
   * has its bytes counted; or returns why not.
   */
  public String admit(String user, ChannelHandlerContext ctx, ConnectionRecord record) {
    return admit(new Authenticator.Principal(user, null), ctx, record);
  }

  /**
   * As {@link #admit(String, ChannelHandlerContext, ConnectionRecord)}, for a local or signed user.
   */
  public String admit(
      Authenticator.Principal who, ChannelHandlerContext ctx, ConnectionRecord record) {
    String user = who.name();
    Limits limits;
    if (who.signed() != null) {
      limits = who.signed().limits();
    } else {
      UsersFile.Entry e = users.get(user);
      if (e == null) {
        return "unknown user";
      }
      limits = e.limits();
    }
    String over = overLimit(limits, user);
    if (over != null) {
      metrics.tunnel("over-limit");
      return over;
    }
    // An HTTP/2 stream is a request on its connection: the connection is what is admitted (and
    // counts against the user's connections), each stream's bytes are counted and rate-limited.
    Channel ch = ctx.channel();
    Channel connection = ch instanceof Http2StreamChannel ? ch.parent() : ch;
    if (who.signed() != null) {
      Map<Channel, SignedToken> mine =
          signedOpen.computeIfAbsent(user, u -> new ConcurrentHashMap<>());
      synchronized (mine) {
        boolean admitted = mine.containsKey(connection);
        if (!admitted) {
          int max = limits.maxConns();
          if (max > 0 && mine.size() >= max) {
            metrics.tunnel("over-limit");
            return "too many connections: at most " + max + " at once";
          }
          mine.put(connection, who.signed());
          connection.closeFuture().addListener(f -> mine.remove(connection));
        }
        if (!admitted || connection != ch) {
          admitted(user, limits, ctx, record, signedBuckets, "signed " + user);
        }
      }
    } else {
      Set<Channel> mine = open.computeIfAbsent(user, u -> ConcurrentHashMap.newKeySet());
      synchronized (mine) {
        boolean admitted = mine.contains(connection);
        if (!admitted) {
          int max = limits.maxConns();
          if (max > 0 && mine.size() >= max) {
            metrics.tunnel("over-limit");
            return "too many connections: at most " + max + " at once";
          }
          mine.add(connection);
          connection.closeFuture().addListener(f -> mine.remove(connection));
        }
        if (!admitted || connection != ch) {
          admitted(user, limits, ctx, record, buckets, user);
        }
      }
    }
    usage.seen(user);
    if (shared != null) {
      shared.seen(user);
    }
    return null;
  }

  /** Counts an admitted connection's bytes and applies the user's rate. */
  private void admitted(
      String user,
      Limits limits,
      ChannelHandlerContext ctx,
      ConnectionRecord record,
      Map<String, RateLimit.Bucket> rateBuckets,
      String bucketKey) {
    Channel ch = ctx.channel();
    SourceLimits.authenticated(ch instanceof Http2StreamChannel ? ch.parent() : ch);
    var up = metrics.bytes(user, true);
    var down = metrics.bytes(user, false);
    record.meter(
        n -> {
          count(user, n);
          up.accept(n);
        },
        n -> {
          count(user, n);
          down.accept(n);
        },
        r -> {
          if (!r.equals("over-limit")) { // refusals are counted here, once
            metrics.tunnel(r);
          }
        });
    long rate = limits.rateBitsPerSecond();
    if (rate > 0) {
      RateLimit.Bucket b =
          rateBuckets.compute(
              bucketKey,
              (u, old) ->
                  old != null && old.bitsPerSecond() == rate ? old : new RateLimit.Bucket(rate));
      ctx.pipeline().addBefore(ctx.name(), RateLimit.NAME, new RateLimit(b));
    }
  }

  private void count(String user, long n) {
    usage.add(user, n);
    RedisUsage s = shared;
    if (s != null) {
      s.add(user, n);
    }
  }

  /** Why a user with {@code limits} is refused now, or null. */
  String overLimit(Limits limits, String user) {
    if (limits.expires() != null && usage.today().isAfter(limits.expires())) {
      return "access key expired on " + limits.expires();
    }
    if (limits.lifetimeBytes() <= 0 && !limits.hasWindow()) {
      return null;
    }
    Usage.Figures f = shared == null ? null : shared.of(user); // the fleet's, once read
    if (f == null) {
      f = usage.of(user);
    }
    if (limits.lifetimeBytes() > 0 && f.total() >= limits.lifetimeBytes()) {
      return "over the lifetime data limit of "
          + Limits.formatSize(limits.lifetimeBytes())
          + " (used "
          + Limits.roughSize(f.total())
          + ")";
    }
    if (limits.hasWindow()) {
      long used = f.inLast(limits.windowDays(), usage.today());
      if (used >= limits.windowBytes()) {
        return "over the data limit of "
            + Limits.formatSize(limits.windowBytes())
            + " per "
            + limits.windowDays()
            + " days (used "
            + Limits.roughSize(used)
            + ")";
      }
    }
    return null;
  }

  /** Closes the connections of users now over a limit, expired, or gone. */
  public void enforce() {
    Map<String, UsersFile.Entry> now = users;
    open.forEach(
        (name, channels) -> {
          if (channels.isEmpty()) {
            return;
          }
          UsersFile.Entry e = now.get(name);
          String why = e == null ? "user removed" : overLimit(e.limits(), name);
          if (why != null) {
            closeAll(name, channels, why);
          }
        });
    signedOpen.forEach(
        (name, channels) -> {
          channels.forEach(
              (ch, token) -> {
                String why = fleet == null ? null : fleet.why(token);
                if (why == null) {
                  why = overLimit(token.limits(), name);
                }
                if (why != null) {
                  log.info("closing a connection of user {} (signed key): {}", name, why);
                  Http2Link.closeNow(ch);
                }
              });
        });
  }

  /** Saves the usage; a failure is logged and tried again next time. */
  public void save() {
    try {
      usage.save(usageFile);
    } catch (RuntimeException e) {
      log.error("usage not saved to {}: {}", usageFile, e.getMessage());
    }
  }

  /** The header that carries the reason of a {@link #refusal}, for the client to show. */
  public static final String REFUSED_HEADER = "Sidestep-Refused";

  /** 403 with the reason in {@link #REFUSED_HEADER} and in the body. */
  static io.netty.handler.codec.http.FullHttpResponse refusal(
      io.netty.buffer.ByteBufAllocator alloc, String reason) {
    var resp =
        HttpResponses.forUser(
            alloc, io.netty.handler.codec.http.HttpResponseStatus.FORBIDDEN, reason);
    resp.headers().set(REFUSED_HEADER, reason);
    return resp;
  }

  private static void closeAll(String name, Set<Channel> channels, String why) {
    if (channels.isEmpty()) {
      return;
    }
    log.info("closing {} connections of user {}: {}", channels.size(), name, why);
    for (Channel c : channels) {
      Http2Link.closeNow(c); // an HTTP/2 connection's tunnels too, not only its new streams
    }
  }
}
