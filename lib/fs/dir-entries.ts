// The names in a directory an upload walks (local-source.ts), as bytes. The
// first levels are read as they are sent, the directory held open meanwhile;
// deeper ones are read whole and closed before their entries are sent, so a
// tree deeper than a low hard `ulimit -n` costs names in memory, not a
// descriptor a level (as downloads hold only HELD_LEVELS, sink-directory.ts).
import type { Dir } from 'node:fs';
import { HELD_LEVELS } from './sink-directory';

/** Each entry's name of `dir`, opened `depth` levels below the first path. */
export async function* entryNames(dir: Dir, depth: number): AsyncGenerator<Buffer> {
  if (depth < HELD_LEVELS) {
    for (let entry = await dir.read(); entry !== null; entry = await dir.read()) yield asBytes(entry.name);
    return;
  }
  const names: Buffer[] = [];
  for (let entry = await dir.read(); entry !== null; entry = await dir.read()) names.push(asBytes(entry.name));
  await dir.close();
  yield* names;
}

// Opened with encoding 'buffer', the names come as Buffers.
function asBytes(name: unknown): Buffer {
  return Buffer.isBuffer(name) ? name : Buffer.from(String(name));
}
