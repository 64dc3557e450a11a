// A long message is cut in its path, in the middle, so that what follows the
// path (`: No space left on device`, the reason) is still there to read.

/** `text` cut in the middle to at most `max` characters, the cut marked `…`, keeping its last `keptEnd`. */
export function cutInMiddle(text: string, max: number, keptEnd: number): string {
  if (text.length <= max) return text;
  // The head ends before an escape (`\x1b`, `\u{202e}`) the cut would halve, and before half a surrogate pair;
  // the tail starts after half a pair, but keeps a byte that is not UTF-8 (util/byte-text.ts), a lone low surrogate.
  const head = text.slice(0, max - keptEnd - 1).replace(/\\[^\\]{0,9}$|[\ud800-\udbff]$/, '');
  const halfPair = /[\ud800-\udbff]/.test(text.charAt(text.length - keptEnd - 1));
  const tail = halfPair ? text.slice(1 - keptEnd) : text.slice(-keptEnd);
  return `${head}…${tail}`;
}
