/**
 * State files: replaced atomically so a crash never leaves a torn or empty file behind (users,
 * learned blocklist, keys), written owner-only, read-merge-written under a lock that holds across
 * processes ({@link io.sidestep.core.files.AtomicFiles}), and watched for edits by modification
 * time, size and inode ({@link io.sidestep.core.files.FileWatcher}).
 */
package io.sidestep.core.files;
