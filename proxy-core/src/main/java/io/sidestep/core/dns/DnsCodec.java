package io.sidestep.core.dns;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes DNS messages (RFC 1035) with exactly one question, class IN.
 *
 * <p>Decoding is bounded and defensive: every length is checked against the message, compression
 * pointers may only point backwards (so they cannot loop), names are at most 255 bytes. A message
 * that breaks a rule raises {@link DnsFormatException} naming what was wrong. Encoded responses
 * carry no EDNS record and compress every answer's name to a pointer at the question.
 */
public final class DnsCodec {
  private DnsCodec() {}

  private static final int HEADER = 12;
  private static final int CLASS_IN = 1;
  private static final int FLAG_QR = 0x8000;
  private static final int FLAG_RD = 0x0100;
  private static final int FLAG_RA = 0x0080;
  private static final int MAX_NAME = 255;

  /** A query message: the given id, RD set, one question of class IN. */
  public static byte[] encodeQuery(DnsQuery query) {
    Writer w = new Writer();
    w.u16(query.id());
    w.u16(FLAG_RD);
    w.u16(1);
    w.u16(0);
    w.u16(0);
    w.u16(0);
    w.name(query.name());
    w.u16(query.type());
    w.u16(CLASS_IN);
    return w.toByteArray();
  }

  /**
   * Decodes a query: a message with QR clear, opcode QUERY and exactly one question of class IN.
   * Other sections (an EDNS OPT record, say) are ignored.
   */
  public static DnsQuery decodeQuery(byte[] message) {
    Reader r = new Reader(message);
    int id = r.u16();
    int flags = r.u16();
    if ((flags & FLAG_QR) != 0) {
      throw new DnsFormatException(
          "DNS query: the QR bit is set (expected: a query, not a response)");
    }
    int opcode = (flags >> 11) & 0xf;
    if (opcode != 0) {
      throw new DnsFormatException("DNS query: opcode " + opcode + " (expected: 0, QUERY)");
    }
    return readQuestion(r, id);
  }

  /** A response message: QR, RD and RA set, the question echoed, then the answers. */
  public static byte[] encodeResponse(DnsResponse response) {
    Writer w = new Writer();
    w.u16(response.id());
    w.u16(FLAG_QR | FLAG_RD | FLAG_RA | response.rcode());
    w.u16(1);
    w.u16(response.answers().size());
    w.u16(0);
    w.u16(0);
    w.name(response.question().name());
    w.u16(response.question().type());
    w.u16(CLASS_IN);
    for (DnsAnswer a : response.answers()) {
      if (a.name().equals(response.question().name())) {
        w.u16(0xc000 | HEADER); // pointer to the question's name
      } else {
        w.name(a.name());
      }
      byte[] addr = a.address().getAddress();
      w.u16(a.type());
      w.u16(CLASS_IN);
      w.u32(a.ttl());
      w.u16(addr.length);
      w.bytes(addr);
    }
    return w.toByteArray();
  }

  /**
   * Decodes a response: QR set, one question, and the A and AAAA records of the answer section
   * (class IN). Records of other types are skipped; the authority and additional sections are not
   * read.
   */
  public static DnsResponse decodeResponse(byte[] message) {
    Reader r = new Reader(message);
    int id = r.u16();
    int flags = r.u16();
    if ((flags & FLAG_QR) == 0) {
      throw new DnsFormatException("DNS response: the QR bit is clear (expected: a response)");
    }
    if ((flags & 0x0200) != 0) {
      throw new DnsFormatException("DNS response: truncated, TC set (expected: a whole answer)");
    }
    int rcode = flags & 0xf;
    int qd = r.peekU16(4);
    if (qd != 1) {
      throw new DnsFormatException("DNS response: " + qd + " questions (expected: 1)");
    }
    int an = r.peekU16(6);
    DnsQuery q = readQuestion(r, id);
    List<DnsAnswer> answers = new ArrayList<>();
    for (int i = 0; i < an; i++) {
      String owner = r.name();
      int type = r.u16();
      int cls = r.u16();
      long ttl = r.u32() & 0x7fffffffL;
      int len = r.u16();
      byte[] data = r.bytes(len, "record data");
      if (cls != CLASS_IN) {
        continue;
      }
      if ((type == DnsType.A && len == 4) || (type == DnsType.AAAA && len == 16)) {
        answers.add(new DnsAnswer(owner, ttl, address(data)));
      } else if (type == DnsType.A || type == DnsType.AAAA) {
        throw new DnsFormatException(
            "DNS response: "
                + DnsType.name(type)
                + " record of "
                + len
                + " bytes (expected: "
                + (type == DnsType.A ? 4 : 16)
                + ")");
      }
    }
    return new DnsResponse(q, rcode, answers);
  }

  private static DnsQuery readQuestion(Reader r, int id) {
    int qd = r.u16();
    r.u16(); // ANCOUNT
    r.u16(); // NSCOUNT
    r.u16(); // ARCOUNT
    if (qd != 1) {
      throw new DnsFormatException("DNS message: " + qd + " questions (expected: 1)");
    }
    String name = r.name();
    int type = r.u16();
    int cls = r.u16();
    if (cls != CLASS_IN) {
      throw new DnsFormatException("DNS question: class " + cls + " (expected: 1, IN)");
    }
    if (name.isEmpty()) {
      throw new DnsFormatException(
          "DNS question: the root name (expected: a name such as example.com)");
    }
    return new DnsQuery(id, name, type);
  }

  private static InetAddress address(byte[] data) {
    try {
      return InetAddress.getByAddress(data);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // only thrown for a bad length, checked above
    }
  }

  private static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

    void u16(int v) {
      out.write((v >> 8) & 0xff);
      out.write(v & 0xff);
    }

    void u32(long v) {
      u16((int) (v >> 16) & 0xffff);
      u16((int) v & 0xffff);
    }

    void bytes(byte[] b) {
      out.write(b, 0, b.length);
    }

    void name(String name) {
      int total = 1;
      for (String label : name.split("\\.", -1)) {
        byte[] b = label.getBytes(StandardCharsets.US_ASCII);
        if (b.length == 0 || b.length > 63 || !label.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
          throw new DnsFormatException(
              "DNS name: '"
                  + name
                  + "' has label '"
                  + label
                  + "' (expected: 1-63 printable ASCII characters; IDNs in punycode)");
        }
        total += b.length + 1;
        out.write(b.length);
        out.write(b, 0, b.length);
      }
      if (total > MAX_NAME) {
        throw new DnsFormatException(
            "DNS name: " + total + " bytes on the wire (expected: at most " + MAX_NAME + ")");
      }
      out.write(0);
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }

  private static final class Reader {
    private final byte[] m;
    private int pos;

    Reader(byte[] message) {
      if (message == null || message.length < HEADER) {
        throw new DnsFormatException(
            "DNS message: "
                + (message == null ? 0 : message.length)
                + " bytes (expected: at least a 12-byte header)");
      }
      if (message.length > 0xffff) {
        throw new DnsFormatException(
            "DNS message: " + message.length + " bytes (expected: at most 65535)");
      }
      this.m = message;
    }

    int u8() {
      need(1, "a byte");
      return m[pos++] & 0xff;
    }

    int u16() {
      need(2, "a 16-bit field");
      int v = ((m[pos] & 0xff) << 8) | (m[pos + 1] & 0xff);
      pos += 2;
      return v;
    }

    int peekU16(int at) {
      return ((m[at] & 0xff) << 8) | (m[at + 1] & 0xff);
    }

    long u32() {
      return ((long) u16() << 16) | u16();
    }

    byte[] bytes(int n, String what) {
      need(n, what);
      byte[] b = new byte[n];
      System.arraycopy(m, pos, b, 0, n);
      pos += n;
      return b;
    }

    private void need(int n, String what) {
      if (pos + n > m.length) {
        throw new DnsFormatException(
            "DNS message: ends at byte "
                + m.length
                + " while reading "
                + what
                + " at byte "
                + pos
                + " (expected: "
                + n
                + " more bytes)");
      }
    }

    /** Reads a possibly compressed name; pointers must point before where they are. */
    String name() {
      StringBuilder sb = new StringBuilder();
      int at = pos;
      int wire = 1;
      boolean jumped = false;
      while (true) {
        if (at >= m.length) {
          throw new DnsFormatException("DNS name: runs past the end of the message at byte " + at);
        }
        int len = m[at] & 0xff;
        if ((len & 0xc0) == 0xc0) {
          if (at + 1 >= m.length) {
            throw new DnsFormatException("DNS name: truncated compression pointer at byte " + at);
          }
          int target = ((len & 0x3f) << 8) | (m[at + 1] & 0xff);
          if (target >= at) {
            throw new DnsFormatException(
                "DNS name: compression pointer at byte "
                    + at
                    + " to byte "
                    + target
                    + " (expected: an earlier byte)");
          }
          if (!jumped) {
            pos = at + 2;
            jumped = true;
          }
          at = target;
          continue;
        }
        if ((len & 0xc0) != 0) {
          throw new DnsFormatException(
              "DNS name: label type 0x"
                  + Integer.toHexString(len)
                  + " at byte "
                  + at
                  + " (expected: a length below 64 or a pointer)");
        }
        at++;
        if (len == 0) {
          break;
        }
        wire += len + 1;
        if (wire > MAX_NAME) {
          throw new DnsFormatException("DNS name: longer than " + MAX_NAME + " bytes");
        }
        if (at + len > m.length) {
          throw new DnsFormatException("DNS name: label runs past the end of the message");
        }
        if (sb.length() > 0) {
          sb.append('.');
        }
        for (int i = 0; i < len; i++) {
          int c = m[at + i] & 0xff;
          if (c <= 0x20 || c >= 0x7f || c == '.') {
            throw new DnsFormatException(
                "DNS name: byte 0x"
                    + Integer.toHexString(c)
                    + " in a label at byte "
                    + (at + i)
                    + " (expected: printable ASCII other than '.')");
          }
          sb.append(Character.toLowerCase((char) c));
        }
        at += len;
      }
      if (!jumped) {
        pos = at;
      }
      return sb.toString();
    }
  }
}
