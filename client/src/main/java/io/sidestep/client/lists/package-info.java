/**
 * Lists the rules file names by URL ({@code RULE-SET,https://…}): {@link
 * io.sidestep.client.lists.ListUpdater} fetches each one through a relay on its interval, checks it
 * (and its Ed25519 signature, when the line gives a key) and stores the good copy where the rules
 * read it; a failed fetch keeps the old copy and is tried again with back-off.
 */
package io.sidestep.client.lists;
