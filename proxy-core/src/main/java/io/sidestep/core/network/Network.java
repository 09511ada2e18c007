package io.sidestep.core.network;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One network the computer was on, as learned entries name it.
 *
 * <p>The id has two parts, {@code GGGGGG-HHHHHH}: six hex digits of the SHA-256 of the gateway's
 * address and the resolvers, then six of the gateway's hardware address. The second part is left
 * off while the neighbour table does not know that address (before the first packet to the gateway,
 * say). An id without it names every network with that gateway address and those resolvers, so
 * {@link #sameNetwork} takes {@code GGGGGG} and {@code GGGGGG-HHHHHH} as one network.
 *
 * @param id a short stable id, as above
 * @param label what a person reads, such as {@code gateway 192.0.2.1 (02:00:00:00:00:01), resolver
 *     192.0.2.53}
 */
public record Network(String id, String label) {

  private static final Pattern ID = Pattern.compile("[0-9a-z][0-9a-z._-]{0,63}");

  public Network {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "network id: '" + id + "' (expected: 1 to 64 of a-z, 0-9, '.', '_', '-')");
    }
    label = label.replaceAll("[\\p{Cntrl};#\\u2028\\u2029]+", " ").strip();
    if (label.isEmpty()) {
      label = id;
    }
  }

  /** Whether {@code id} is usable as a network id (so a hand-edited file can be checked). */
  public static boolean validId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  /**
   * What was seen of the network now.
   *
   * @param gateway the default gateway's address; empty when there is no default route (or the
   *     system cannot tell)
   * @param hardware the gateway's hardware (MAC) address, lower case; empty when the neighbour
   *     table has no complete entry for it
   * @param resolvers the local resolvers' addresses, in the system's order
   */
  public record Facts(Optional<String> gateway, Optional<String> hardware, List<String> resolvers) {
    /** Nothing known: an unknown network. */
    public static final Facts NONE = new Facts(Optional.empty(), Optional.empty(), List.of());

    public Facts {
      Objects.requireNonNull(gateway, "gateway");
      hardware = hardware.map(h -> h.toLowerCase(java.util.Locale.ROOT));
      resolvers = List.copyOf(resolvers);
    }

    /** Same gateway address and resolvers; the hardware address may be missing from either. */
    boolean sameExceptHardware(Facts other) {
      return gateway.equals(other.gateway) && resolvers.equals(other.resolvers);
    }
  }

  /**
   * The network these facts name; empty (an unknown network) without a gateway, since the resolvers
   * alone (often a local cache on 127.0.0.53) do not tell networks apart.
   */
  public static Optional<Network> of(Facts facts) {
    if (facts.gateway().isEmpty()) {
      return Optional.empty();
    }
    String gw = facts.gateway().get();
    String id =
        hash("gateway=" + gw + ";resolvers=" + String.join(",", facts.resolvers()))
            + facts.hardware().map(h -> "-" + hash("hardware=" + h)).orElse("");
    StringBuilder label = new StringBuilder("gateway ").append(gw);
    label.append(" (").append(facts.hardware().orElse("hardware address unknown")).append(')');
    if (!facts.resolvers().isEmpty()) {
      label
          .append(facts.resolvers().size() == 1 ? ", resolver " : ", resolvers ")
          .append(String.join(" ", facts.resolvers()));
    }
    return Optional.of(new Network(id, label.toString()));
  }

  /**
   * Whether two ids name the same network: equal, or one is the other without its hardware part (a
   * network whose gateway's hardware address was not known then).
   */
  public static boolean sameNetwork(String a, String b) {
    return a.equals(b) || a.startsWith(b + "-") || b.startsWith(a + "-");
  }

  /** Whether {@code otherId} names this network (see {@link #sameNetwork}). */
  public boolean sameAs(String otherId) {
    return sameNetwork(id, otherId);
  }

  /**
   * How many different networks {@code ids} name: an id without a hardware part that goes with one
   * that has it is not another network.
   */
  public static int count(Collection<String> ids) {
    Set<String> distinct = new HashSet<>(ids);
    int n = 0;
    for (String id : distinct) {
      boolean covered = false;
      for (String other : distinct) {
        if (other.startsWith(id + "-")) {
          covered = true;
          break;
        }
      }
      if (!covered) {
        n++;
      }
    }
    return n;
  }

  private static String hash(String key) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 3);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this Java", e);
    }
  }

  /** {@code id (label)}. */
  @Override
  public String toString() {
    return label.equals(id) ? id : id + " (" + label + ")";
  }
}
