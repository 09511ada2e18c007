/**
 * How the rules engine matches fast and exactly: every rule line becomes one or more numbered
 * entries (a list contributes one entry per usable line, all sharing the list's position), and
 * "first match wins" becomes "the smallest matching entry number wins". Names and suffixes sit in
 * one open-addressing hash table probed once per label of the host, keywords in an Aho-Corasick
 * automaton scanned once over the host, address blocks in one hash per prefix length, ports and
 * MATCH in a short sorted list, and regexes last: each is run only when a literal it requires was
 * found in the host (another automaton) and only while its entry number could still beat the best
 * match so far. Each index answers "the smallest matching entry above N"; asking again above a
 * skipped entry is how list exceptions ({@code @@}) and expired learned entries are passed over
 * without losing exactness. Nothing here is public API.
 */
package io.sidestep.core.rules.internal;
