// The worker thread that computes the SHA-256 sums of a parts run (each
// part's and the whole stream's), so that hashing runs beside the main
// thread's SSH work instead of in it (docs/performance.md §3). The main
// thread copies the bytes into a block and transfers it here with how many
// bytes it holds for which sums; the worker hashes them and transfers the
// block back.
//
// hashWorker() runs from its source text (Function.prototype.toString), so
// it must be self-contained: no imports but types, no outer names, only
// require() and the global objects inside it.

/** What the main thread posts. */
export type HashRequest =
  /** Add the first `length` bytes of block number `block` (`bytes`, transferred) to each sum in `ids`, then free the block. */
  | { type: 'data'; block: number; bytes: ArrayBuffer; length: number; ids: number[] }
  /** Finish sum `id` (an id never fed is the sum of nothing). */
  | { type: 'digest'; id: number }
  /** Forget sum `id`. */
  | { type: 'drop'; id: number };

/** What the worker posts. */
export type HashReply = { type: 'free'; block: number; bytes: ArrayBuffer } | { type: 'digest'; id: number; hex: string };

/** The worker's body; see the file comment. */
export function hashWorker(): void {
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const port = parentPort!;
  const sums = new Map<number, import('node:crypto').Hash>();
  const sum = (id: number): import('node:crypto').Hash => {
    let hash = sums.get(id);
    if (hash === undefined) sums.set(id, (hash = createHash('sha256')));
    return hash;
  };
  port.on('message', (m: HashRequest) => {
    if (m.type === 'data') {
      const bytes = Buffer.from(m.bytes, 0, m.length);
      for (const id of m.ids) sum(id).update(bytes);
      port.postMessage({ type: 'free', block: m.block, bytes: m.bytes } satisfies HashReply, [m.bytes]);
    } else if (m.type === 'digest') {
      const hex = sum(m.id).digest('hex');
      sums.delete(m.id);
      port.postMessage({ type: 'digest', id: m.id, hex } satisfies HashReply);
    } else {
      sums.delete(m.id);
    }
  });
}
