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

  /**
   * {@code router} with every AUTO turned into NEVER-DIRECT: the client's {@code --never-direct}.
   * What no rule names gets {@link Decision#neverDirect()}; a rule that says AUTO (such as {@code
   * MATCH,AUTO}) keeps its reason behind {@code --never-direct: }, so that a copied example rules
   * file cannot switch the flag off. DIRECT, RELAY and REJECT are left as they are.
   */
  static Router neverDirect(Router router) {
    return new Router() {
      @Override
      public Decision decide(Destination destination) {
        Decision d = router.decide(destination);
        if (d.action() != Action.AUTO) {
          return d;
        }
        return d.equals(Decision.auto())
            ? Decision.neverDirect()
            : new Decision(Action.NEVER_DIRECT, "--never-direct: " + d.reason());
      }

      @Override
      public Decision decideResolved(
          Destination destination, List<InetAddress> addresses, Decision byName) {
        return router.decideResolved(destination, addresses, byName);
      }
    };
  }
}
