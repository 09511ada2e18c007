package io.sidestep.client.dashboard;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.sidestep.client.dial.ConnectionListener;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The connections the client made: the last {@value #KEPT} for a new page, each new one to every
 * open event stream (Server-Sent Events; a stream whose reader falls behind misses events), and
 * today's traffic by route. Today is the local day of the machine; the counts start again at
 * midnight and when the client starts.
 */
final class Live implements ConnectionListener {

  /** How many finished connections a new page sees: 200. */
  static final int KEPT = 200;

  /** A comment line this often keeps an idle stream (and the door's idle timeout) alive: 20 s. */
  private static final long HEARTBEAT_SECONDS = 20;

  private final Clock clock;
  private final ZoneId zone;
  private final Json json;

  /** A finished connection and its number; turned into JSON only when a page asks. */
  private record Entry(long id, Ended c) {}

  private final ArrayDeque<Entry> recent = new ArrayDeque<>();
  private final Set<Channel> streams = ConcurrentHashMap.newKeySet();
  private long sequence;
  private LocalDate day;
  private long dayEndsMillis; // the clock's millis at which `day` is over
  private final long[] direct = new long[3]; // up, down, connections
  private final long[] relayed = new long[3];

  Live(Clock clock, ZoneId zone, Json json) {
    this.clock = clock;
    this.zone = zone;
    this.json = json;
    this.day = LocalDate.now(clock.withZone(zone));
  }

  @Override
  public void ended(Ended c) {
    Entry entry;
    synchronized (this) {
      entry = new Entry(++sequence, c);
      recent.addLast(entry);
      if (recent.size() > KEPT) {
        recent.removeFirst();
      }
      rollDay();
      long[] counts =
          switch (c.route()) {
            case "direct" -> direct;
            case "relay" -> relayed;
            default -> null;
          };
      if (counts != null) {
        counts[0] += c.up();
        counts[1] += c.down();
        counts[2]++;
      }
    }
    if (streams.isEmpty()) {
      return; // no page is watching: nothing to write
    }
    Map<String, Object> event = event(entry);
    String frame = "id: " + event.get("id") + "\ndata: " + json.write(event) + "\n\n";
    for (Channel ch : streams) {
      // A page that stops reading misses events rather than filling memory; a reload catches up.
      if (ch.isWritable()) {
        ch.writeAndFlush(
            new DefaultHttpContent(Unpooled.copiedBuffer(frame, StandardCharsets.UTF_8)));
      }
    }
  }

  private static Map<String, Object> event(Entry e) {
    Ended c = e.c();
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("id", e.id());
    event.put("at", c.at().toString());
    event.put("door", c.door());
    event.put("destination", c.destination().authority());
    event.put("route", c.route());
    event.put("reason", c.reason());
    event.put("via", c.via());
    event.put("up", c.up());
    event.put("down", c.down());
    event.put("ms", c.millis());
    event.put("result", c.result());
    event.put("notes", c.notes());
    return event;
  }

  /** Starts today's counts again when the local day changed (or the clock went back). */
  private void rollDay() {
    long now = clock.millis();
    if (day != null && now < dayEndsMillis && now >= dayEndsMillis - DAY_MILLIS_MAX) {
      return; // still the same day: no calendar work per connection
    }
    LocalDate today = LocalDate.now(clock.withZone(zone));
    if (!today.equals(day)) {
      day = today;
      java.util.Arrays.fill(direct, 0);
      java.util.Arrays.fill(relayed, 0);
    }
    dayEndsMillis = today.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
  }

  /** The longest a local day lasts (25 hours, when clocks go back). */
  private static final long DAY_MILLIS_MAX = TimeUnit.HOURS.toMillis(25);

  /** The last connections, oldest first. */
  synchronized List<Map<String, Object>> recent() {
    List<Map<String, Object>> list = new ArrayList<>(recent.size());
    for (Entry e : recent) {
      list.add(event(e));
    }
    return list;
  }

  /** Today's bytes and connections, direct and relayed. */
  synchronized Map<String, Object> today() {
    rollDay();
    return Map.of(
        "day", day.toString(),
        "direct", Map.of("up", direct[0], "down", direct[1], "connections", direct[2]),
        "relayed", Map.of("up", relayed[0], "down", relayed[1], "connections", relayed[2]));
  }

  /**
   * Adds an event stream whose response head is being written now; it gets the recent connections
   * first, then every new one, until it closes.
   */
  void stream(Channel channel) {
    List<Map<String, Object>> backlog = recent();
    channel
        .eventLoop()
        .execute(
            () -> {
              StringBuilder b = new StringBuilder("retry: 2000\n\n");
              for (Map<String, Object> e : backlog) {
                b.append("id: ").append(e.get("id")).append("\ndata: ");
                b.append(json.write(e)).append("\n\n");
              }
              channel.writeAndFlush(
                  new DefaultHttpContent(Unpooled.copiedBuffer(b, StandardCharsets.UTF_8)));
              streams.add(channel);
              ScheduledFuture<?> beat =
                  channel
                      .eventLoop()
                      .scheduleAtFixedRate(
                          () ->
                              channel.writeAndFlush(
                                  new DefaultHttpContent(
                                      Unpooled.copiedBuffer(": beat\n\n", StandardCharsets.UTF_8))),
                          HEARTBEAT_SECONDS,
                          HEARTBEAT_SECONDS,
                          TimeUnit.SECONDS);
              channel
                  .closeFuture()
                  .addListener(
                      f -> {
                        streams.remove(channel);
                        beat.cancel(false);
                      });
            });
  }
}
