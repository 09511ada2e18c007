package io.sidestep.core.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CodecException;
import io.netty.handler.codec.dns.DefaultDnsQuery;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsQueryEncoder;
import io.netty.handler.codec.dns.TcpDnsResponseDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * DNS messages (RFC 1035) as bytes, for DNS-over-HTTPS and tests' DNS servers: one question of
 * class IN, asked with recursion desired, answered with A or AAAA records. The wire format is
 * Netty's DNS codec; a DNS-over-HTTPS body is the message DNS over TCP sends, without its two-byte
 * length, so the TCP codecs read and write it. A message that does not parse, or a value that
 * cannot be encoded, raises {@link DnsFormatException} saying why.
 */
public final class DnsMessages {
  private DnsMessages() {}

  private static final int HEADER = 12;

  /**
   * A query for {@code name} (lower-cased; IDNs in punycode) and {@code type}, recursion desired.
   * Over HTTPS the id should be 0, so that caches can share answers (RFC 8484).
   */
  public static byte[] query(int id, String name, DnsRecordType type) {
    DnsQuestion question;
    try {
      question = new DefaultDnsQuestion(name.toLowerCase(Locale.ROOT), type);
    } catch (IllegalArgumentException e) {
      throw new DnsFormatException(
          "DNS name: '" + name + "': " + e.getMessage() + " (expected: labels of 1-63 letters)");
    }
    return encode(
        new TcpDnsQueryEncoder(),
        new DefaultDnsQuery(id).setRecursionDesired(true).addRecord(DnsSection.QUESTION, question));
  }

  /**
   * Reads the response to the query with {@code id}: its rcode and the A and AAAA records of its
   * answer section (class IN).
   */
  public static DnsAnswer readAnswer(byte[] response, int id) {
    DnsResponse r = decode(new TcpDnsResponseDecoder(), response);
    try {
      if (r.id() != id) {
        throw new DnsFormatException("DNS response: id " + r.id() + " (expected: " + id + ")");
      }
      if (r.isTruncated()) {
        throw new DnsFormatException("DNS response: truncated, TC set (expected: a whole answer)");
      }
      if (r.count(DnsSection.QUESTION) != 1) {
        throw new DnsFormatException(
            "DNS response: " + r.count(DnsSection.QUESTION) + " questions (expected: 1)");
      }
      List<InetAddress> addresses = new ArrayList<>();
      for (int i = 0; i < r.count(DnsSection.ANSWER); i++) {
        DnsRecord rec = r.recordAt(DnsSection.ANSWER, i);
        boolean address =
            rec.type().equals(DnsRecordType.A) || rec.type().equals(DnsRecordType.AAAA);
        if (address && rec.dnsClass() == DnsRecord.CLASS_IN && rec instanceof DnsRawRecord raw) {
          addresses.add(address(rec.type(), ByteBufUtil.getBytes(raw.content())));
        }
      }
      return new DnsAnswer(r.code(), addresses);
    } finally {
      r.release();
    }
  }

  /**
   * The response to a query: the answer {@code answerer} gives for the query's name (lower case,
   * without the trailing dot) and type, its addresses with {@code ttl} seconds, the query's id and
   * question echoed. The query must have opcode QUERY and one question of class IN; other sections
   * (an EDNS OPT record, say) are ignored.
   */
  public static byte[] respond(
      byte[] query, long ttl, BiFunction<String, DnsRecordType, DnsAnswer> answerer) {
    DnsQuery q = decode(new TcpDnsQueryDecoder(), query);
    try {
      if (!q.opCode().equals(DnsOpCode.QUERY)) {
        throw new DnsFormatException("DNS query: opcode " + q.opCode() + " (expected: QUERY)");
      }
      if (q.count(DnsSection.QUESTION) != 1) {
        throw new DnsFormatException(
            "DNS query: " + q.count(DnsSection.QUESTION) + " questions (expected: 1)");
      }
      DnsQuestion question = q.recordAt(DnsSection.QUESTION);
      if (question.dnsClass() != DnsRecord.CLASS_IN) {
        throw new DnsFormatException(
            "DNS question: class " + question.dnsClass() + " (expected: 1, IN)");
      }
      String name = question.name().toLowerCase(Locale.ROOT);
      name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
      if (name.isEmpty()) {
        throw new DnsFormatException(
            "DNS question: the root name (expected: a name such as example.com)");
      }
      DnsAnswer a = answerer.apply(name, question.type());
      DnsResponse r =
          new DefaultDnsResponse(q.id(), DnsOpCode.QUERY, a.rcode())
              .setRecursionDesired(q.isRecursionDesired())
              .setRecursionAvailable(true)
              .addRecord(DnsSection.QUESTION, question);
      for (InetAddress address : a.addresses()) {
        DnsRecordType type = address instanceof Inet4Address ? DnsRecordType.A : DnsRecordType.AAAA;
        r.addRecord(
            DnsSection.ANSWER,
            new DefaultDnsRawRecord(
                question.name(), type, ttl, Unpooled.wrappedBuffer(address.getAddress())));
      }
      return encode(new TcpDnsResponseEncoder(), r);
    } finally {
      q.release();
    }
  }

  private static InetAddress address(DnsRecordType type, byte[] data) {
    int expected = type.equals(DnsRecordType.A) ? 4 : 16;
    if (data.length != expected) {
      throw new DnsFormatException(
          "DNS response: %s record of %d bytes (expected: %d)"
              .formatted(type.name(), data.length, expected));
    }
    try {
      return InetAddress.getByAddress(data);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // only thrown for a bad length, checked above
    }
  }

  /** The message without the two-byte length the TCP encoder puts first. */
  private static byte[] encode(ChannelHandler encoder, Object message) {
    EmbeddedChannel ch = new EmbeddedChannel(encoder);
    try {
      ch.writeOutbound(message);
      ByteBuf framed = ch.readOutbound();
      try {
        return ByteBufUtil.getBytes(framed, framed.readerIndex() + 2, framed.readableBytes() - 2);
      } finally {
        framed.release();
      }
    } catch (CodecException e) {
      throw new DnsFormatException("DNS message: " + reason(e));
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  /** The message read by a TCP decoder, after the two-byte length it expects. */
  private static <T> T decode(ChannelHandler decoder, byte[] message) {
    if (message.length < HEADER || message.length > DnsOverHttps.MAX_MESSAGE) {
      throw new DnsFormatException(
          "DNS message: %d bytes (expected: a 12-byte header, and at most %d bytes in all)"
              .formatted(message.length, DnsOverHttps.MAX_MESSAGE));
    }
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    try {
      ch.writeInbound(
          Unpooled.buffer(2 + message.length).writeShort(message.length).writeBytes(message));
      T decoded = ch.readInbound();
      if (decoded == null) {
        throw new DnsFormatException("DNS message: incomplete");
      }
      return decoded;
    } catch (CodecException | IndexOutOfBoundsException e) {
      throw new DnsFormatException("DNS message: " + reason(e));
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  private static String reason(Throwable e) {
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return cause.getMessage() == null ? cause.toString() : cause.getMessage();
  }
}
