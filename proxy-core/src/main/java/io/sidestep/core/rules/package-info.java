/**
 * The rules engine: the rules file (Clash classical syntax), included lists, the learned blocklist,
 * and the {@link io.sidestep.core.rules.Router} that combines them. Pure: no Netty.
 */
package io.sidestep.core.rules;
