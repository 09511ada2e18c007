package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedNioFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What strangers see: a small, harmless web site. Built in, it is one page at {@code /} and 404
 * everywhere else; with a directory ({@code --decoy-dir}) it serves that directory's files, with
 * {@code index.html} for directories.
 *
 * <p>Path traversal is refused: {@code ..} segments are resolved first and a path that climbs above
 * the root is a 400 (as on nginx); a hidden ({@code .name}) segment, a backslash or a NUL is a 404;
 * and the file's real path (after symbolic links) must lie inside the directory's real path. Files
 * larger than 8 MiB are not served; a file is read only as its response is written. {@link #page}
 * looks at files, so with a directory it must run off the event loop.
 */
public final class DecoySite {

  /**
   * A page to serve: the status, the media type, the body (in memory, or a file streamed when
   * written), its length and, for a file found, when it was last modified (null otherwise).
   */
  public record Page(
      HttpResponseStatus status,
      String contentType,
      byte[] body,
      Path file,
      long length,
      Instant modified) {

    Page(HttpResponseStatus status, String contentType, byte[] body, Instant modified) {
      this(status, contentType, body, null, body.length, modified);
    }

    /** nginx's entity tag: the modification time and the size, in hex. */
    public String etag() {
      return "\""
          + Long.toHexString(modified.getEpochSecond())
          + "-"
          + Long.toHexString(length)
          + "\"";
    }

    /**
     * Bytes {@code [start, end)} of the body as a message to write: a slice of the body in memory,
     * or the file's bytes read a chunk at a time as the connection can take them.
     */
    Object slice(long start, long end) throws IOException {
      if (file == null) {
        return new DefaultHttpContent(
            Unpooled.wrappedBuffer(body, (int) start, (int) (end - start)));
      }
      return new FileBody(FileChannel.open(file), start, end - start);
    }
  }

  /** A file's bytes, a chunk at a time; a file cut short while being sent is an error. */
  static final class FileBody extends ChunkedNioFile {
    FileBody(FileChannel in, long offset, long length) throws IOException {
      super(in, offset, length, CHUNK);
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) throws Exception {
      ByteBuf chunk = super.readChunk(allocator);
      if (chunk != null && !chunk.isReadable() && !isEndOfInput()) {
        chunk.release();
        throw new IOException("decoy file shorter than when it was found");
      }
      return chunk;
    }
  }

  private static final int CHUNK = 16 * 1024;

  private static final long MAX_FILE = 8L << 20;

  static final byte[] BUILT_IN =
      ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
              + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
              + "<title>Field notes</title>\n<style>\n"
              + "body { max-width: 40em; margin: 3em auto; padding: 0 1em;"
              + " font-family: Georgia, serif; color: #222; line-height: 1.5; }\n"
              + "h1 { font-weight: normal; }\nfooter { margin-top: 3em; color: #777;"
              + " font-size: 0.9em; }\n</style>\n</head>\n<body>\n<h1>Field notes</h1>\n"
              + "<p>A small personal site. Notes on bread, bicycles and birds will appear here"
              + " once they are written up.</p>\n<p>Nothing else to see yet &mdash; thanks for"
              + " stopping by.</p>\n<footer>Last updated in the spring.</footer>\n</body>\n"
              + "</html>\n")
          .getBytes(StandardCharsets.UTF_8);

  private static final Map<String, String> TYPES =
      Map.ofEntries(
          Map.entry("html", "text/html"),
          Map.entry("htm", "text/html"),
          Map.entry("css", "text/css"),
          Map.entry("js", "application/javascript"),
          Map.entry("json", "application/json"),
          Map.entry("txt", "text/plain"),
          Map.entry("xml", "text/xml"),
          Map.entry("svg", "image/svg+xml"),
          Map.entry("png", "image/png"),
          Map.entry("jpg", "image/jpeg"),
          Map.entry("jpeg", "image/jpeg"),
          Map.entry("gif", "image/gif"),
          Map.entry("ico", "image/x-icon"),
          Map.entry("webp", "image/webp"),
          Map.entry("woff2", "font/woff2"),
          Map.entry("pdf", "application/pdf"));

  private final Path root;
  private final Path realRoot;
  private final Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  /** The built-in site ({@code dir} null) or the files of {@code dir}. */
  public DecoySite(Path dir) {
    this.root = dir == null ? null : dir.toAbsolutePath().normalize();
    try {
      this.realRoot = root == null ? null : root.toRealPath();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "decoy directory: " + dir + " (expected: an existing directory)", e);
    }
    if (realRoot != null && !Files.isDirectory(realRoot)) {
      throw new IllegalArgumentException(
          "decoy directory: " + dir + " is not a directory (expected: a directory of web files)");
    }
  }

  /** Whether {@link #page} touches the file system (and so must run off the event loop). */
  public boolean blocking() {
    return root != null;
  }

  /** The page for a request target (origin-form or absolute-form; the query is ignored). */
  public Page page(String uri) {
    String path = pathOf(uri);
    if (path == null) {
      return notFound();
    }
    if (root == null) {
      return path.equals("/") || path.equals("/index.html")
          ? new Page(HttpResponseStatus.OK, "text/html", BUILT_IN, started)
          : notFound();
    }
    return fromDirectory(path, asDirectory(uri));
  }

  /** Whether the target names a directory: its path ends in a slash, or in a dot segment. */
  private static boolean asDirectory(String uri) {
    String raw = rawPath(uri);
    String p;
    try {
      p = QueryStringDecoder.decodeComponent(raw.replace("+", "%2B"));
    } catch (IllegalArgumentException e) {
      return raw.endsWith("/");
    }
    return p.endsWith("/") || p.endsWith("/.") || p.endsWith("/..");
  }

  /** The decoded, normalised path of a request target, or null when it cannot be served. */
  static String pathOf(String uri) {
    List<String> segments = segments(uri);
    if (segments == null) {
      return null;
    }
    for (String seg : segments) {
      if (seg.startsWith(".")) {
        return null; // hidden files such as .git or .htpasswd are never served
      }
    }
    return "/" + String.join("/", segments);
  }

  /**
   * Whether nginx refuses the target's path with 400: it climbs above the root ({@code /../x}), or
   * has a percent sign not followed by two hex digits, or an escaped NUL.
   */
  static boolean refusedPath(String uri) {
    String raw = rawPath(uri);
    for (int i = raw.indexOf('%'); i >= 0; i = raw.indexOf('%', i + 1)) {
      if (i + 2 >= raw.length()
          || Character.digit(raw.charAt(i + 1), 16) < 0
          || Character.digit(raw.charAt(i + 2), 16) < 0
          || raw.startsWith("00", i + 1)) {
        return true;
      }
    }
    return segments(uri) == CLIMBS;
  }

  private static final List<String> CLIMBS = List.of("..");

  /**
   * The path's segments after percent-decoding and resolving {@code .} and {@code ..}; {@link
   * #CLIMBS} when a {@code ..} leaves the root; null when the target is not a path at all.
   */
  private static List<String> segments(String uri) {
    String u = rawPath(uri);
    if (!u.startsWith("/")) {
      return null;
    }
    String decoded;
    try {
      decoded = QueryStringDecoder.decodeComponent(u.replace("+", "%2B"));
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (decoded.indexOf('\0') >= 0 || decoded.indexOf('\\') >= 0) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (String seg : decoded.split("/")) {
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        if (out.isEmpty()) {
          return CLIMBS;
        }
        out.remove(out.size() - 1);
      } else {
        out.add(seg);
      }
    }
    return out;
  }

  /** The target's path, still percent-encoded, without scheme, authority, query or fragment. */
  static String rawPath(String uri) {
    String u = uri;
    int scheme = u.startsWith("/") ? -1 : u.indexOf("://");
    if (scheme > 0) {
      // The path starts at the first '/' after the host; a query or fragment right after the
      // host ("http://a?x/y") belongs to the path "/".
      int end = scheme + 3;
      while (end < u.length() && "/?#".indexOf(u.charAt(end)) < 0) {
        end++;
      }
      u = end < u.length() && u.charAt(end) == '/' ? u.substring(end) : "/" + u.substring(end);
    }
    int q = u.indexOf('?');
    if (q >= 0) {
      u = u.substring(0, q);
    }
    int hash = u.indexOf('#');
    if (hash >= 0) {
      u = u.substring(0, hash);
    }
    return u;
  }

  private Page fromDirectory(String path, boolean asDirectory) {
    Path p = root.resolve(path.substring(1)).normalize();
    if (!p.startsWith(root)) {
      return notFound();
    }
    try {
      if (Files.isDirectory(p) && !asDirectory && !path.equals("/")) {
        return new Page(
            HttpResponseStatus.MOVED_PERMANENTLY,
            "text/html",
            HttpResponses.errorPage(HttpResponseStatus.MOVED_PERMANENTLY),
            null);
      }
      if (Files.isDirectory(p)) {
        p = p.resolve("index.html");
        if (!Files.exists(p)) {
          return new Page(
              HttpResponseStatus.FORBIDDEN,
              "text/html",
              HttpResponses.errorPage(HttpResponseStatus.FORBIDDEN),
              null); // nginx without autoindex
        }
      } else if (asDirectory) {
        return notFound(); // nginx: a file asked for as a directory is not there
      }
      if (!Files.isRegularFile(p)) {
        return notFound();
      }
      Path real = p.toRealPath();
      if (!real.startsWith(realRoot)
          || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)
          || !Files.isReadable(real)
          || Files.size(real) > MAX_FILE) {
        return notFound();
      }
      return new Page(
          HttpResponseStatus.OK,
          typeOf(real),
          null,
          real,
          Files.size(real),
          Files.getLastModifiedTime(real).toInstant());
    } catch (IOException | SecurityException e) {
      return notFound();
    }
  }

  private static String typeOf(Path p) {
    String n = p.getFileName().toString();
    int dot = n.lastIndexOf('.');
    String ext = dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    return TYPES.getOrDefault(ext, "application/octet-stream");
  }

  private static Page notFound() {
    return new Page(
        HttpResponseStatus.NOT_FOUND,
        "text/html",
        HttpResponses.errorPage(HttpResponseStatus.NOT_FOUND),
        null);
  }
}
