package io.sidestep.core.rules.internal;

import io.sidestep.core.files.AtomicFiles;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.network.Network;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.ListCache;
import io.sidestep.core.rules.RemoteList;
import io.sidestep.core.rules.RulesException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the user's rules file (strict: the first bad line is an error) and the learned file
 * (lenient: a bad line is skipped with a warning, because the client must keep running on a
 * machine-written file).
 */
public final class RulesFiles {
  private static final Logger log = LoggerFactory.getLogger(RulesFiles.class);

  /** The largest rules file or list read; beyond it the file is refused rather than risking OOM. */
  public static final long MAX_FILE_BYTES = 64L * 1024 * 1024;

  private RulesFiles() {}

  /**
   * Compiles the user's rules file and the lists it includes.
   *
   * @param watched receives every file read (the rules file and each list), for live reload
   * @param warnings receives what was skipped in lists
   * @throws RulesException at the first bad line, or when a list cannot be read
   */
  public static RuleIndex user(Path file, Set<Path> watched, List<String> warnings) {
    return user(file, null, watched, warnings, new ArrayList<>());
  }

  /**
   * As {@link #user(Path, Set, List)}, taking lists named by URL from {@code cache}.
   *
   * @param cache the stored copies of lists named by URL; null for none (such rules match nothing)
   * @param remotes receives every list named by URL, in file order
   */
  public static RuleIndex user(
      Path file,
      ListCache cache,
      Set<Path> watched,
      List<String> warnings,
      List<RemoteList> remotes) {
    String name = file.toString();
    watched.add(file);
    String text = read(file, name, "a readable rules file");
    RuleIndex.Builder b = RuleIndex.builder(name, "");
    Lines lines = new Lines(text);
    String raw;
    while ((raw = lines.next()) != null) {
      int lineNo = lines.number();
      RuleLine rl;
      try {
        rl = RuleLine.parse(raw);
        if (rl == null) {
          continue;
        }
        if (rl.remote() != null) {
          RemoteLists.include(b, file, rl, lineNo, cache, watched, warnings, remotes);
        } else if (rl.type() == RuleType.RULE_SET) {
          b.rule(lineNo, rl.text(), rl.action(), listName(file, rl.value()), Long.MAX_VALUE);
          Lists.include(b, file, rl, lineNo, watched, warnings);
        } else {
          b.rule(lineNo, rl.text(), rl.action(), null, Long.MAX_VALUE);
          Entries.add(b, rl.type(), rl.value(), rl.valueColumn(), rl.noResolve(), lineNo);
          b.dropTextIfCanonical();
        }
      } catch (LineError e) {
        throw new RulesException(name, lineNo, e.column(), e.getMessage());
      }
    }
    return b.build();
  }

  /** A list's name as shown in reasons and errors: its path next to the rules file. */
  static String listName(Path rulesFile, String path) {
    return rulesFile.resolveSibling(path).toString();
  }

  /**
   * Compiles the learned blocklist for every network (as before networks were told apart). A
   * missing file is an empty list; bad lines are skipped with a warning; RULE-SET lines are not
   * allowed there.
   */
  public static RuleIndex learned(Path file, List<String> warnings) {
    return learned(file, warnings, null);
  }

  /**
   * Compiles the learned entries that apply on network {@code network}: those learned there, those
   * of any network (no {@code network=}), and those of a host learned on two or more networks
   * (likely blocked nationwide). A null network (one that cannot be told) takes every entry.
   */
  public static RuleIndex learned(Path file, List<String> warnings, String network) {
    String name = file.toString();
    RuleIndex.Builder b = RuleIndex.builder(name, "learned: ");
    if (!Files.exists(file)) {
      return b.build();
    }
    String text;
    try {
      text = read(file, name, "a readable learned file");
    } catch (RulesException e) {
      warn(warnings, e.getMessage() + "; learned entries ignored");
      return b.build();
    }
    record Parsed(int lineNo, Learned learned, String host, String network) {}
    List<Parsed> parsed = new ArrayList<>();
    Map<String, Set<String>> networksOfHost = new HashMap<>();
    Lines lines = new Lines(text);
    String raw;
    while ((raw = lines.next()) != null) {
      int lineNo = lines.number();
      try {
        Learned l = learnedLine(raw);
        if (l == null) {
          continue;
        }
        String host = host(l.line);
        String net = network(l.line.comment()).map(Network::id).orElse(null);
        if (host != null && net != null) {
          networksOfHost.computeIfAbsent(host, h -> new HashSet<>()).add(net);
        }
        parsed.add(new Parsed(lineNo, l, host, net));
      } catch (LineError e) {
        warn(
            warnings,
            name + ":" + lineNo + ":" + e.column() + ": " + e.getMessage() + "; line skipped");
      }
    }
    for (Parsed p : parsed) {
      if (network != null
          && p.network != null
          && !Network.sameNetwork(p.network, network)
          && (p.host == null || Network.count(networksOfHost.get(p.host)) < 2)) {
        continue; // learned on another network only
      }
      Learned l = p.learned;
      try {
        b.rule(
            p.lineNo,
            l.line.text() + (l.line.comment() == null ? "" : " # " + l.line.comment()),
            l.line.action(),
            null,
            l.expiresAt);
        Entries.add(
            b, l.line.type(), l.line.value(), l.line.valueColumn(), l.line.noResolve(), p.lineNo);
      } catch (LineError e) {
        warn(
            warnings,
            name + ":" + p.lineNo + ":" + e.column() + ": " + e.getMessage() + "; line skipped");
      }
    }
    return b.build();
  }

  /**
   * The rule for one host: {@code DOMAIN,HOST,ACTION} for a name, {@code
   * IP-CIDR,ADDRESS/32,ACTION,no-resolve} (or {@code IP-CIDR6,ADDRESS/128,…}) for an address.
   *
   * @param host a host as {@link Destination#normalise} returns it
   */
  public static String hostRule(String host, Action action) {
    if (IpLiterals.isIpv4Literal(host)) {
      return "IP-CIDR," + host + "/32," + action + ",no-resolve";
    }
    if (IpLiterals.isIpv6Literal(host)) {
      return "IP-CIDR6," + host + "/128," + action + ",no-resolve";
    }
    return "DOMAIN," + host + "," + action;
  }

  /**
   * A user's rule for one host ({@link #hostRule}) with {@code comment} after {@code #}, checked by
   * the parser that reads the rules file.
   *
   * @throws IllegalArgumentException for a host that is no valid host name or address
   */
  public static String userRuleLine(String host, Action action, String comment) {
    String line =
        hostRule(Destination.normalise(host), action)
            + " # "
            + comment.replaceAll("[\\p{Cntrl}\\u2028\\u2029]+", " ").strip();
    try {
      RuleLine rl = RuleLine.parse(line);
      RuleIndex.Builder check = RuleIndex.builder("check", "");
      check.rule(1, rl.text(), rl.action(), null, Long.MAX_VALUE);
      Entries.add(check, rl.type(), rl.value(), rl.valueColumn(), rl.noResolve(), 1);
    } catch (LineError e) {
      throw new IllegalArgumentException(e.column() + ": " + e.getMessage(), e);
    }
    return line;
  }

  /**
   * Writes {@code line} as the first line of {@code file} (created when missing), atomically and
   * keeping the file's permissions.
   */
  public static void prepend(Path file, String line) {
    String text = Files.exists(file) ? read(file, file.toString(), "a readable rules file") : "";
    Set<PosixFilePermission> mode = AtomicFiles.PRIVATE;
    try {
      mode = Files.getPosixFilePermissions(file);
    } catch (IOException | UnsupportedOperationException e) {
      // a new file, or no POSIX modes here: private
    }
    AtomicFiles.write(file, (line + "\n" + text).getBytes(StandardCharsets.UTF_8), mode);
  }

  /** A parsed learned line and its expiry in epoch milliseconds (MAX_VALUE when none). */
  public record Learned(RuleLine line, long expiresAt) {}

  /**
   * The one host a rule names ({@code DOMAIN}, or an address as {@code /32} or {@code /128}),
   * normalised; null for a rule that names more than one.
   */
  public static String host(RuleLine rl) {
    String v = rl.value();
    String address =
        v.endsWith("/32") || v.endsWith("/128") ? v.substring(0, v.lastIndexOf('/')) : null;
    try {
      if (rl.type() == RuleType.DOMAIN) {
        return Destination.normalise(v);
      }
      if ((rl.type() == RuleType.IP_CIDR || rl.type() == RuleType.IP_CIDR6)
          && address != null
          && (v.endsWith("/32")
              ? IpLiterals.isIpv4Literal(address)
              : IpLiterals.isIpv6Literal(address))) {
        return Destination.normalise(address);
      }
    } catch (IllegalArgumentException e) {
      // a value the rules engine takes but that is no single host: not a host entry
    }
    return null;
  }

  /**
   * The network a learned line's comment names ({@code network=ID}, labelled by {@code
   * network-name=}); empty for none or for an id that is not valid.
   */
  public static Optional<Network> network(String comment) {
    String id = field(comment, "network");
    if (!Network.validId(id)) {
      return Optional.empty();
    }
    String label = field(comment, "network-name");
    return Optional.of(new Network(id, label == null ? id : label));
  }

  /** Parses one learned line; null for blank and comment lines. */
  public static Learned learnedLine(String raw) throws LineError {
    RuleLine rl = RuleLine.parse(raw);
    if (rl == null) {
      return null;
    }
    if (rl.type() == RuleType.RULE_SET) {
      throw new LineError(1, "RULE-SET in the learned file (expected: single entries)");
    }
    long expires = Long.MAX_VALUE;
    String expiresText = field(rl.comment(), "expires");
    if (expiresText != null) {
      try {
        expires = Instant.parse(expiresText).toEpochMilli();
      } catch (DateTimeParseException | ArithmeticException e) {
        int col = raw.indexOf("expires=") + 9;
        throw new LineError(
            col,
            "invalid expires= '"
                + expiresText
                + "' (expected: an ISO-8601 instant such as 2026-12-04T18:00:00Z)");
      }
    }
    // Entries must make sense on their own: check the value now.
    RuleIndex.Builder check = RuleIndex.builder("check", "");
    check.rule(1, rl.text(), rl.action(), null, expires);
    Entries.add(check, rl.type(), rl.value(), rl.valueColumn(), rl.noResolve(), 1);
    return new Learned(rl, expires);
  }

  /**
   * The value of {@code key=} in a comment of {@code key=value} pairs separated by {@code ;}, or
   * null.
   */
  public static String field(String comment, String key) {
    if (comment == null) {
      return null;
    }
    for (String part : comment.split(";")) {
      String p = part.trim();
      if (p.startsWith(key + "=")) {
        return p.substring(key.length() + 1).trim();
      }
    }
    return null;
  }

  /** Reads a whole UTF-8 file, refusing files that are too big or not text. */
  static String read(Path file, String name, String expected) {
    try {
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        String problem = "file of %d bytes is too big (expected: at most %d bytes)";
        throw new RulesException(name, 0, 0, problem.formatted(size, MAX_FILE_BYTES));
      }
      byte[] bytes = Files.readAllBytes(file);
      if (isAscii(bytes)) {
        // The common case, and much faster than a decoder: one pass, no char[] copy.
        return new String(bytes, StandardCharsets.US_ASCII);
      }
      return utf8(bytes);
    } catch (NoSuchFileException e) {
      throw new RulesException(name, 0, 0, "no such file (expected: " + expected + ")");
    } catch (CharacterCodingException e) {
      throw new RulesException(name, 0, 0, "not UTF-8 text (expected: " + expected + " in UTF-8)");
    } catch (IOException e) {
      throw new RulesException(name, 0, 0, "cannot read: " + e + " (expected: " + expected + ")");
    }
  }

  /** Strict UTF-8 without a leading byte-order mark. */
  static String utf8(byte[] bytes) throws CharacterCodingException {
    String s =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(bytes))
            .toString();
    return s.startsWith("\uFEFF") ? s.substring(1) : s;
  }

  private static boolean isAscii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  static void warn(List<String> warnings, String message) {
    warnings.add(message);
    log.warn("{}", message);
  }
}
