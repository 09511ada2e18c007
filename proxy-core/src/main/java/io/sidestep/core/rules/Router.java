package io.sidestep.core.rules;

import io.sidestep.core.route.Destination;
import java.net.InetAddress;
import java.util.List;

/**
 * Decides what happens to a destination: the user's rules first, then the learned blocklist, then
 * {@link Action#AUTO}. Implementations are thread-safe and may change between calls (live reload);
 * each call sees one consistent snapshot.
 */
public interface Router {

  /** Decides by the destination alone. Never resolves a name. */
  Decision decide(Destination destination);

  /**
   * Decides again once a name has been resolved for a direct connection, so that IP rules that come
   * before the rule that decided by name can apply. Returns {@code byName} when none does.
   */
  default Decision decideResolved(
      Destination destination, List<InetAddress> addresses, Decision byName) {
    return byName;
  }
}
