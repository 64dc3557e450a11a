// The cutter at the part boundaries: 0 bytes, a part less one, exactly one
// part, one byte more, exactly two, in chunks that do and do not line up
// with the parts, in RAM and spilled to disk.
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { cutParts } from '../../../../lib/client/parts/cutter';
import { MemoryBudget, type SpooledPart } from '../../../../lib/client/parts/part-writer';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const P = 1000;

async function cut(data: Buffer, chunk: number, memory: number): Promise<{ parts: Buffer[]; sums: string[]; result: Awaited<ReturnType<typeof cutParts>> }> {
  const taken: SpooledPart[] = [];
  const chunks = Array.from({ length: Math.ceil(data.length / chunk) }, (_, i) => data.subarray(i * chunk, (i + 1) * chunk));
  const result = await cutParts(Readable.from(chunks), {
    partSize: P,
    budget: new MemoryBudget(memory),
    spoolDir: tmpdir(),
    signal: new AbortController().signal,
    beforePart: async () => undefined,
    onPart: (part) => taken.push(part),
  });
  const parts: Buffer[] = [];
  for (const part of taken) {
    const bytes: Buffer[] = [];
    for await (const c of part.spool.replay()) bytes.push(c as Buffer);
    parts.push(Buffer.concat(bytes));
    expect(part.size).toBe(parts[parts.length - 1]!.length);
    expect(part.index).toBe(parts.length - 1);
    await part.dispose();
  }
  return { parts, sums: taken.map((p) => p.sha256), result };
}

describe('cutParts at the part boundaries', () => {
  for (const length of [0, 1, P - 1, P, P + 1, 2 * P - 1, 2 * P, 2 * P + 1]) {
    for (const chunk of [1, 7, P - 1, P, P + 1, 3 * P]) {
      for (const memory of [64 * P, P / 2]) {
        it(`${length} bytes in chunks of ${chunk}, ${memory < P ? 'spilled to disk' : 'in RAM'}`, async () => {
          const data = randomBytes(length);
          const { parts, sums, result } = await cut(data, chunk, memory);
          const expected = length === 0 ? 1 : Math.ceil(length / P);
          expect(result).toEqual({ size: BigInt(length), sha256: sha(data), parts: expected });
          expect(parts.map((p) => p.length)).toEqual(Array.from({ length: expected }, (_, i) => Math.min(P, length - i * P)));
          expect(Buffer.concat(parts).equals(data)).toBe(true);
          expect(sums).toEqual(parts.map(sha));
        });
      }
    }
  }
});
