package io.sidestep.core.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NginxHpackTest {

  private static Http2Headers headers(String... namesAndValues) {
    Http2Headers h = new DefaultHttp2Headers(false);
    for (int i = 0; i < namesAndValues.length; i += 2) {
      h.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    return h;
  }

  private static String hex(NginxHpack hpack, Http2Headers headers) {
    ByteBuf out = Unpooled.buffer();
    hpack.encodeHeaders(1, headers, out);
    String s = ByteBufUtil.hexDump(out);
    out.release();
    return s;
  }

  @Test
  void huffmanCodesAreRfc7541sExamples() {
    // RFC 7541 C.4 and C.6: strings of the request and response examples with Huffman coding,
    // here as values of new-name literals: 00, the name, then the value.
    NginxHpack hpack = new NginxHpack();
    assertThat(hex(hpack, headers("x", "www.example.com")))
        .endsWith("8c" + "f1e3c2e5f23a6ba0ab90f4ff");
    assertThat(hex(hpack, headers("x", "no-cache"))).endsWith("86" + "a8eb10649cbf");
    assertThat(hex(hpack, headers("custom-key", "custom-value")))
        .isEqualTo("00" + "88" + "25a849e95ba97d7f" + "89" + "25a849e95bb8e8b4bf");
    assertThat(hex(hpack, headers("x", "Mon, 21 Oct 2013 20:13:21 GMT")))
        .endsWith("96" + "d07abe941054d444a8200595040b8166e082a62d1bff");
  }

  // Expected strings below were worked out with the code table in nginx 1.22's
  // src/http/ngx_http_huff_encode.c, not with this encoder.
  @Test
  void anAnswerIsWrittenAsNginxWritesIt() {
    NginxHpack hpack = new NginxHpack();
    Http2Headers answer =
        headers(
            ":status", "200",
            "server", "nginx",
            "content-type", "text/html",
            "content-length", "615",
            "etag", "\"6565d6f5-267\"",
            "accept-ranges", "bytes");
    String first = hex(hpack, answer);
    assertThat(first)
        // :status 200 is indexed field 8; server (54) is indexed with incremental indexing and
        // its value is nginx's own constant, 84 aa 63 55 e7.
        .startsWith("88" + "76" + "84aa6355e7")
        // content-type (31), Huffman-coded; content-length (28) with its digits raw.
        .contains("5f" + "87" + "497ca589d34d1f")
        .contains("5c" + "03" + "363135")
        // etag and accept-ranges: new names, though the static table has both.
        .contains("00" + "832a4737" + "8cfe5c6dc6e47256d6138eff3f")
        .endsWith("00" + "8919085ad2b583aa62a3" + "848fd24a8f");
    // No table to refer back to: the second answer is the same bytes as the first.
    assertThat(hex(hpack, answer)).isEqualTo(first);
  }

  @Test
  void theFirstBlockAfterATableSizeSaysTheTableIsEmpty() throws Exception {
    NginxHpack hpack = new NginxHpack();
    hpack.configuration().maxHeaderTableSize(65536);
    assertThat(hex(hpack, headers(":status", "404"))).isEqualTo("20" + "8d");
    assertThat(hex(hpack, headers(":status", "404"))).isEqualTo("8d");
  }

  @Test
  void otherStatusesAndNamesAreLiterals() {
    NginxHpack hpack = new NginxHpack();
    // 413: name 8 with incremental indexing, three raw digits. A name is written in lowercase.
    assertThat(hex(hpack, headers(":status", "413"))).isEqualTo("48" + "03" + "343133");
    assertThat(hex(hpack, headers("X-A", "")))
        .isEqualTo(hex(hpack, headers("x-a", "")))
        .endsWith("00");
  }

  @Test
  void whatItWritesDecodesToWhatWasGiven() throws Exception {
    Random random = new Random(7);
    NginxHpack hpack = new NginxHpack();
    hpack.configuration().maxHeaderTableSize(0);
    DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false, 1 << 20);
    for (int round = 0; round < 300; round++) {
      List<String> fields = new ArrayList<>(List.of(":status", round % 2 == 0 ? "200" : "302"));
      String[] names = {"server", "date", "content-length", "location", "x-any", "etag"};
      for (String name : names) {
        StringBuilder v = new StringBuilder();
        int length = random.nextInt(round < 250 ? 40 : 3000);
        for (int i = 0; i < length; i++) {
          // Every octet, the printable ones most often, as header values have them.
          v.append((char) (random.nextInt(4) == 0 ? random.nextInt(256) : 32 + random.nextInt(95)));
        }
        fields.add(name);
        fields.add(v.toString());
      }
      Http2Headers given = headers(fields.toArray(String[]::new));
      ByteBuf block = Unpooled.buffer();
      hpack.encodeHeaders(1, given, block);
      Http2Headers decoded = decoder.decodeHeaders(1, block);
      block.release();
      List<String> got = new ArrayList<>();
      for (Map.Entry<CharSequence, CharSequence> e : decoded) {
        got.add(e.getKey().toString());
        got.add(
            new String(
                e.getValue().toString().getBytes(StandardCharsets.ISO_8859_1),
                StandardCharsets.ISO_8859_1));
      }
      assertThat(got).isEqualTo(fields);
    }
  }
}
