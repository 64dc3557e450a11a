// How much of a file's body is read at a time and handed to the channel in
// one write: reads of a regular file on stdin (put), of local files (cp), and
// of the spool (its replay).
//
// Measured on loopback with `scpipe put < 1GiB-file` against `scp -O` in the
// same run (9 alternating runs, medians): 1 MiB 1.87-1.93 s, 512 KiB 1.80 s,
// 256 KiB 1.68-1.78 s, 128 KiB 1.92 s; scp -O 1.51-1.59 s. With 1 MiB the
// chunk is no longer in the CPU cache when it is encrypted, and a write
// takes half of sshd's 2 MiB channel window at once, so the send waits for
// window adjustments in larger steps; below 256 KiB the per-read overhead
// wins.
export const BODY_CHUNK = 256 * 1024;
