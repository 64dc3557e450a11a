// A stream filter fed as a pipe would feed it: the text cut at every chunk
// boundary a test names, so a line split anywhere is handled as a whole one.
import type { Duplex, Writable } from 'node:stream';

/** Writes `text` (latin1) to `stream` in `size`-byte chunks, without ending it. */
export function writeInChunks(stream: Writable, text: string, size: number): void {
  const bytes = Buffer.from(text, 'latin1');
  for (let i = 0; i < bytes.length; i += size) stream.write(bytes.subarray(i, i + size));
}

/** Collects what `stream` passes on, as latin1 text so far. */
export function collected(stream: Duplex): () => string {
  const out: Buffer[] = [];
  stream.on('data', (c: Buffer) => out.push(c));
  return () => Buffer.concat(out).toString('latin1');
}

/** What `stream` passes on, to its end, from `text` written in `size`-byte chunks and ended. */
export async function throughInChunks(stream: Duplex, text: string, size: number): Promise<string> {
  const out = collected(stream);
  writeInChunks(stream, text, size);
  stream.end();
  await new Promise((resolve) => stream.once('end', resolve));
  return out();
}
