// How much of a file's body is read at a time and handed to the channel in
// one write: reads of a regular file on stdin (put), of local files (cp), and
// of the spool (its replay).
//
// 256 KiB was the fastest size measured (docs/performance.md §3): with 1 MiB
// the chunk is no longer in the CPU cache when it is encrypted, and a write
// takes half of sshd's 2 MiB channel window at once, so the send waits for
// window adjustments in larger steps; below 256 KiB the per-read overhead
// wins.
export const BODY_CHUNK = 256 * 1024;
