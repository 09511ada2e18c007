/**
 * The rules engine: the user's rules file (Clash classical syntax, {@code TYPE,VALUE,ACTION}), the
 * lists it includes with {@code RULE-SET} (gfwlist, Clash rule providers, domain lists, CSV), the
 * learned blocklist that detection writes, and the {@link io.sidestep.core.rules.Router} that
 * combines them: the first matching user line wins, then a learned entry, then AUTO. {@link
 * io.sidestep.core.rules.LiveRules} follows edits to all those files while the client runs; {@link
 * io.sidestep.core.rules.Rules} is one immutable snapshot. Matching is exact and fast at any size:
 * every rule is compiled into the index for its kind (a hash by name probed once per label of the
 * host, an Aho-Corasick automaton for keywords, a hash per prefix length for addresses, regexes
 * last and filtered by the literals they need), each index returns the smallest matching line
 * number, and the smallest over all indexes is the first match of the file (see the {@code
 * internal} package). Pure: no Netty types, no network, no name lookups.
 */
package io.sidestep.core.rules;
