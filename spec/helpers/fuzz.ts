// Seeded random input for the parser fuzz tests (spec/unit/fuzz): the same
// seed gives the same bytes, so a failing seed is a regular test to keep.
import { ScpipeError } from '../../lib/errors';

/** A small seeded generator (mulberry32): fast, and enough for picking bytes. */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** Text from `alphabet` (characters the parser gives meaning to, mostly). */
  text(n: number, alphabet: string): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)]!;
    return s;
  }
}

// Bytes that matter to line and packet parsers: ends of lines, NUL, the
// SCP record and reply bytes, high bytes that break UTF-8, length-ish values.
const INTERESTING = [0x00, 0x01, 0x02, 0x0a, 0x0d, 0x20, 0x09, 0x23, 0x30, 0x39, 0x43, 0x44, 0x45, 0x54, 0x5c, 0x7f, 0x80, 0xc3, 0xff];

/** A copy of `input` changed in 1-4 random ways (flip, insert, delete, repeat, cut). */
export function mutate(rng: Rng, input: Buffer): Buffer {
  let b = Buffer.from(input);
  for (let k = 1 + rng.int(4); k > 0; k--) {
    const at = rng.int(b.length + 1);
    switch (rng.int(6)) {
      case 0:
        if (at < b.length) b[at] = b[at]! ^ (1 << rng.int(8));
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([rng.pick(INTERESTING)]), b.subarray(at)]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.int(8))]);
        break;
      case 3: {
        const piece = b.subarray(at, at + 1 + rng.int(16));
        b = Buffer.concat([b.subarray(0, at), ...Array<Buffer>(1 + rng.int(64)).fill(piece), b.subarray(at)]);
        break;
      }
      case 4:
        b = b.subarray(0, at);
        break;
      default:
        if (at < b.length) b[at] = rng.pick(INTERESTING);
    }
  }
  return b;
}

/** `input` cut into random pieces (as a channel may deliver it). */
export function split(rng: Rng, input: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; ) {
    const n = 1 + rng.int(rng.chance(0.5) ? 8 : 512);
    out.push(input.subarray(i, i + n));
    i += n;
  }
  return out;
}

/**
 * Runs `body` for each seed, `rounds` times; anything thrown that is not an
 * ScpipeError (or `allowed`) fails the test, naming the seed and round.
 */
export function fuzz(seeds: readonly number[], rounds: number, body: (rng: Rng, round: number) => void, allowed: ReadonlyArray<new (...a: never[]) => Error> = []): void {
  for (const seed of seeds) {
    const rng = new Rng(seed);
    for (let round = 0; round < rounds; round++) {
      try {
        body(rng, round);
      } catch (err) {
        if (err instanceof ScpipeError || allowed.some((k) => err instanceof k)) continue;
        const why = err instanceof Error ? err.stack ?? err.message : String(err);
        throw new Error(`seed ${seed}, round ${round}: ${why}`);
      }
    }
  }
}
