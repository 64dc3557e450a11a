// Frees large buffers now rather than at V8's next full collection.
//
// V8 frees an ArrayBuffer's memory only when a garbage collection finds it
// unreachable, and it starts a full collection for external memory only once
// that has grown by 64 MiB since the last one. A RAM spool that spills to
// disk leaves its blocks (up to --memory bytes) unreachable but resident
// while the rest of the stream is spooled and sent, and the send's own
// garbage then piles on top of them: peak RSS was about limit + 100 MiB.
// Transferring a buffer detaches it, which drops its memory from the
// original at once; the transferred copy is unreachable and young, and the
// next scavenge (milliseconds later) frees it.

/**
 * Frees each buffer's memory. Only for buffers nothing else will read: every
 * view of them (Buffer, Uint8Array) becomes empty. Already detached or
 * shared buffers are skipped.
 */
export function releaseMemory(buffers: readonly ArrayBufferLike[]): void {
  for (const buffer of buffers) {
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0) continue;
    try {
      structuredClone(buffer, { transfer: [buffer] });
    } catch {
      // not transferable (e.g. a WebAssembly memory): the collector will have it
    }
  }
}
