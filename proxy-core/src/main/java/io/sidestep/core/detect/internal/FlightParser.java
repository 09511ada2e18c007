package io.sidestep.core.detect.internal;

import io.sidestep.core.detect.FirstFlight;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Recognises a TLS ClientHello (reassembled from as many handshake records as it spans) or an
 * HTTP/1.x request head. Every length is checked against what is there before it is used, so
 * garbage gives {@link FirstFlight.Unknown} and a short read gives {@link FirstFlight.NeedMore}.
 */
public final class FlightParser {
  private FlightParser() {}

  private static final int RECORD_HEADER = 5;
  private static final int MAX_RECORD = 16384 + 2048;
  private static final int MAX_METHOD = 20;

  public static FirstFlight inspect(byte[] data, int offset, int length) {
    if (data == null || offset < 0 || length < 0 || offset + length > data.length) {
      return new FirstFlight.Unknown("no bytes");
    }
    if (length == 0) {
      return new FirstFlight.NeedMore();
    }
    int first = data[offset] & 0xff;
    if (first == 0x16) {
      return clientHello(data, offset, length);
    }
    if (first >= 'A' && first <= 'Z') {
      return httpRequest(data, offset, length);
    }
    return new FirstFlight.Unknown(
        String.format("first byte 0x%02x is neither TLS nor HTTP", first));
  }

  // ---- TLS ----------------------------------------------------------------------------------

  private static FirstFlight clientHello(byte[] data, int offset, int length) {
    int limit = Math.min(length, FirstFlight.MAX_CLIENT_HELLO);
    // Collect handshake bytes record by record until the first message is complete.
    byte[] hs = null;
    int hsLen = 0;
    int need = -1; // total handshake bytes of the first message, once its header is known
    int pos = 0;
    while (true) {
      if (pos + RECORD_HEADER > limit) {
        return moreOrTooBig(length, pos + RECORD_HEADER, "ClientHello");
      }
      int type = data[offset + pos] & 0xff;
      int major = data[offset + pos + 1] & 0xff;
      int minor = data[offset + pos + 2] & 0xff;
      int recLen = u16(data, offset + pos + 3);
      if (type != 0x16) {
        return new FirstFlight.Unknown("TLS record type " + type + " inside a ClientHello");
      }
      if (major != 3 || minor > 4) {
        return new FirstFlight.Unknown("TLS record version " + major + "." + minor);
      }
      if (recLen == 0 || recLen > MAX_RECORD) {
        return new FirstFlight.Unknown("TLS record length " + recLen);
      }
      int bodyStart = pos + RECORD_HEADER;
      int available = Math.min(recLen, limit - bodyStart);
      if (hs == null) {
        hs = new byte[Math.min(FirstFlight.MAX_CLIENT_HELLO, recLen)];
      }
      // Copy what this record holds (possibly partial when the read ends inside it).
      int want = need < 0 ? available : Math.min(available, need - hsLen);
      if (hsLen + want > hs.length) {
        byte[] bigger = new byte[Math.min(FirstFlight.MAX_CLIENT_HELLO, (hsLen + want) * 2)];
        System.arraycopy(hs, 0, bigger, 0, hsLen);
        hs = bigger;
      }
      System.arraycopy(data, offset + bodyStart, hs, hsLen, want);
      hsLen += want;
      if (need < 0 && hsLen >= 4) {
        if ((hs[0] & 0xff) != 0x01) {
          return new FirstFlight.Unknown(
              "TLS handshake type " + (hs[0] & 0xff) + ", not ClientHello");
        }
        int msgLen = u24(hs, 1);
        if (msgLen + 4 + RECORD_HEADER > FirstFlight.MAX_CLIENT_HELLO) {
          return new FirstFlight.Unknown("ClientHello of " + msgLen + " bytes is too large");
        }
        need = msgLen + 4;
      }
      if (need >= 0 && hsLen >= need) {
        int used = bodyStart + recLen; // the record that completes the message is consumed whole
        return parseHello(hs, need, used);
      }
      if (available < recLen) {
        return moreOrTooBig(length, bodyStart + recLen, "ClientHello");
      }
      pos = bodyStart + recLen;
    }
  }

  private static FirstFlight moreOrTooBig(int have, int need, String what) {
    if (need > FirstFlight.MAX_CLIENT_HELLO) {
      return new FirstFlight.Unknown(
          what + " larger than " + FirstFlight.MAX_CLIENT_HELLO + " bytes");
    }
    return have >= need ? new FirstFlight.Unknown(what + " malformed") : new FirstFlight.NeedMore();
  }

  private static FirstFlight parseHello(byte[] m, int end, int recordBytes) {
    Cursor c = new Cursor(m, 4, end);
    if (!c.skip(2 + 32)) { // legacy_version, random
      return bad("ClientHello too short");
    }
    int sid = c.u8();
    if (sid < 0 || sid > 32 || !c.skip(sid)) {
      return bad("ClientHello session id");
    }
    int suites = c.u16();
    if (suites < 2 || suites % 2 != 0 || !c.skip(suites)) {
      return bad("ClientHello cipher suites");
    }
    int comp = c.u8();
    if (comp < 1 || !c.skip(comp)) {
      return bad("ClientHello compression methods");
    }
    if (c.remaining() == 0) {
      return new FirstFlight.ClientHello(Optional.empty(), recordBytes); // no extensions at all
    }
    int extLen = c.u16();
    if (extLen < 0 || extLen != c.remaining()) {
      return bad("ClientHello extensions length");
    }
    Optional<String> sni = Optional.empty();
    while (c.remaining() > 0) {
      int type = c.u16();
      int len = c.u16();
      if (type < 0 || len < 0 || len > c.remaining()) {
        return bad("ClientHello extension");
      }
      if (type == 0 && sni.isEmpty()) {
        Optional<String> name = serverName(m, c.pos, c.pos + len);
        if (name == null) {
          return bad("ClientHello server_name extension");
        }
        sni = name;
      }
      c.skip(len);
    }
    return new FirstFlight.ClientHello(sni, recordBytes);
  }

  /** The host_name in a server_name extension; empty if none; null if malformed. */
  private static Optional<String> serverName(byte[] m, int from, int to) {
    Cursor c = new Cursor(m, from, to);
    int listLen = c.u16();
    if (listLen < 0 || listLen != c.remaining()) {
      return null;
    }
    while (c.remaining() > 0) {
      int nameType = c.u8();
      int len = c.u16();
      if (nameType < 0 || len < 0 || len > c.remaining()) {
        return null;
      }
      if (nameType == 0) {
        if (len == 0 || len > 255) {
          return null;
        }
        for (int i = c.pos; i < c.pos + len; i++) {
          int b = m[i] & 0xff;
          if (b <= 0x20 || b >= 0x7f) {
            return null; // SNI is ASCII (A-labels); anything else is not a host name
          }
        }
        return Optional.of(
            new String(m, c.pos, len, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT));
      }
      c.skip(len);
    }
    return Optional.empty();
  }

  private static FirstFlight bad(String what) {
    return new FirstFlight.Unknown(what + " malformed");
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private static FirstFlight httpRequest(byte[] data, int offset, int length) {
    int limit = Math.min(length, FirstFlight.MAX_REQUEST_HEAD);
    // Method: upper-case letters (and '-' '_' as in some extension methods), then one space.
    int i = 0;
    while (i < limit && i <= MAX_METHOD) {
      int b = data[offset + i] & 0xff;
      if ((b >= 'A' && b <= 'Z') || b == '-' || b == '_') {
        i++;
      } else {
        break;
      }
    }
    if (i == limit) {
      return i <= MAX_METHOD
          ? new FirstFlight.NeedMore()
          : new FirstFlight.Unknown("method too long");
    }
    if (i > MAX_METHOD || (data[offset + i] & 0xff) != ' ') {
      return new FirstFlight.Unknown("not an HTTP request line");
    }
    String s = new String(data, offset, limit, StandardCharsets.ISO_8859_1);
    String method = s.substring(0, i);
    // The head ends at an empty line (CRLF CRLF, or bare LF LF).
    int lf = s.indexOf("\n\n", i);
    int crlf = s.indexOf("\n\r\n", i);
    int headEnd = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 3 : lf >= 0 ? lf + 2 : -1;
    int nul = s.indexOf('\0', i);
    if (nul >= 0 && (headEnd < 0 || nul < headEnd)) {
      return new FirstFlight.Unknown("NUL byte in an HTTP request head");
    }
    int lineEnd = s.indexOf('\n', i);
    if (lineEnd >= 0 && !requestLineOk(data, offset, i + 1, lineEnd)) {
      return new FirstFlight.Unknown("not an HTTP/1.x request line");
    }
    if (headEnd < 0) {
      return length >= FirstFlight.MAX_REQUEST_HEAD
          ? new FirstFlight.Unknown(
              "HTTP request head larger than " + FirstFlight.MAX_REQUEST_HEAD + " bytes")
          : new FirstFlight.NeedMore();
    }
    String head = s.substring(0, headEnd);
    String[] lines = head.split("\r?\n");
    String[] parts = lines[0].split(" ");
    String target = parts.length >= 2 ? parts[1] : "";
    Optional<String> host = Optional.empty();
    for (int k = 1; k < lines.length && host.isEmpty(); k++) {
      String line = lines[k];
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("host")) {
        host = hostOf(line.substring(colon + 1).trim());
      }
    }
    int scheme = target.indexOf("://");
    if (scheme > 0) {
      String rest = target.substring(scheme + 3);
      int slash = rest.indexOf('/');
      Optional<String> fromTarget = hostOf(slash < 0 ? rest : rest.substring(0, slash));
      if (fromTarget.isPresent()) {
        host = fromTarget;
      }
    }
    return new FirstFlight.HttpRequest(method, target, host, headEnd);
  }

  private static boolean requestLineOk(byte[] data, int offset, int from, int lineEnd) {
    int end = lineEnd > from && data[offset + lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
    String rest = new String(data, offset + from, end - from, StandardCharsets.ISO_8859_1);
    int sp = rest.lastIndexOf(' ');
    return sp > 0 && rest.substring(sp + 1).startsWith("HTTP/1.");
  }

  /** The host part of {@code host[:port]} or {@code [v6]:port}, lower case; empty if blank. */
  static Optional<String> hostOf(String authority) {
    String a = authority.trim();
    int at = a.lastIndexOf('@');
    if (at >= 0) {
      a = a.substring(at + 1);
    }
    if (a.startsWith("[")) {
      int close = a.indexOf(']');
      a = close > 0 ? a.substring(1, close) : a;
    } else {
      int colon = a.indexOf(':');
      if (colon >= 0) {
        a = a.substring(0, colon);
      }
    }
    return a.isEmpty() ? Optional.empty() : Optional.of(a.toLowerCase(Locale.ROOT));
  }

  // ---- bytes --------------------------------------------------------------------------------

  private static int u16(byte[] b, int i) {
    return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
  }

  private static int u24(byte[] b, int i) {
    return ((b[i] & 0xff) << 16) | ((b[i + 1] & 0xff) << 8) | (b[i + 2] & 0xff);
  }

  /** A bounds-checked reader: reads past the end give -1 and skips give false. */
  private static final class Cursor {
    final byte[] b;
    int pos;
    final int end;

    Cursor(byte[] b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    int remaining() {
      return end - pos;
    }

    int u8() {
      if (remaining() < 1) {
        return -1;
      }
      return b[pos++] & 0xff;
    }

    int u16() {
      if (remaining() < 2) {
        pos = end;
        return -1;
      }
      int v = FlightParser.u16(b, pos);
      pos += 2;
      return v;
    }

    boolean skip(int n) {
      if (n < 0 || n > remaining()) {
        pos = end;
        return false;
      }
      pos += n;
      return true;
    }
  }
}
