// One stream read once and handed to several consumers (put to several
// hosts): each branch yields every chunk in order. The source is read only
// as far as `maxAhead` bytes past the slowest branch still reading, so the
// slowest sets the pace and memory stays bounded. A branch that is closed
// (its consumer failed, or never started) no longer holds the others back;
// when every branch is closed, the source is closed too. A source error
// reaches every branch still reading.

/** The branches, and how to let one go. */
export interface Tee {
  branches: AsyncIterable<Uint8Array>[];
  /** Branch `i` will read no more (safe to call again, or after it ended). */
  close(i: number): void;
}

/** Splits `source` into `count` branches; see the file comment. */
export function tee(source: AsyncIterable<Uint8Array>, count: number, maxAhead = 16 * 1024 * 1024): Tee {
  const it = source[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let base = 0; // the stream index of chunks[0]
  let held = 0; // bytes in chunks
  const at = new Array<number>(count).fill(0);
  const open = new Array<boolean>(count).fill(true);
  let ended = false;
  let sourceClosed = false;
  let failure: { error: unknown } | undefined;
  let pulling: Promise<void> | undefined;
  let waiting: (() => void)[] = [];

  const wake = (): void => {
    const all = waiting;
    waiting = [];
    for (const resume of all) resume();
  };
  // Drops the chunks every open branch has passed.
  const trim = (): void => {
    const positions = at.filter((_, i) => open[i]);
    const slowest = positions.length === 0 ? base + chunks.length : Math.min(...positions);
    while (base < slowest && chunks.length > 0) {
      held -= chunks.shift()!.length;
      base++;
    }
    if (positions.length === 0 && !ended && !sourceClosed) {
      sourceClosed = true;
      void Promise.resolve(it.return?.()).catch(() => undefined);
    }
    wake();
  };
  const pull = (): Promise<void> =>
    (pulling ??= (async () => {
      try {
        const r = await it.next();
        if (r.done) ended = true;
        else {
          chunks.push(r.value);
          held += r.value.length;
        }
      } catch (error) {
        failure = { error };
        ended = true;
      } finally {
        pulling = undefined;
        wake();
      }
    })());
  const close = (i: number): void => {
    if (!open[i]) return;
    open[i] = false;
    trim();
  };

  async function* branch(i: number): AsyncGenerator<Uint8Array> {
    try {
      while (open[i]) {
        const index = at[i]! - base;
        if (index < chunks.length) {
          const chunk = chunks[index]!;
          at[i]!++;
          trim();
          yield chunk;
        } else if (failure) {
          throw failure.error;
        } else if (ended) {
          return;
        } else if (held >= maxAhead) {
          await new Promise<void>((resume) => waiting.push(resume)); // the slowest moves on
        } else {
          await pull();
        }
      }
    } finally {
      close(i);
    }
  }

  return { branches: Array.from({ length: count }, (_, i) => ({ [Symbol.asyncIterator]: () => branch(i) })), close };
}
