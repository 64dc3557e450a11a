// writeBody(): exactly `size` bytes into a stream with backpressure, and the
// drain/abort listeners it uses come and go with the call.
import { getEventListeners } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { MemoryReplay } from '../../../lib/spool/replay';
import { writeBody, type WriteBodyOptions } from '../../../lib/protocol/write-body';
import { waitFor } from '../../helpers/async';

/** A slow sink: each write completes on a later turn, so a small highWaterMark makes writes wait for 'drain'. */
function slowSink(highWaterMark = 4): { out: Writable; received: Buffer[]; fail(err: Error): void } {
  const received: Buffer[] = [];
  let failure: Error | undefined;
  const out = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      setImmediate(() => {
        if (failure) return cb(failure);
        received.push(Buffer.from(chunk));
        cb();
      });
    },
  });
  return { out, received, fail: (err) => { failure = err; } };
}

async function* chunksOf(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) {
    await new Promise((resolve) => setImmediate(resolve));
    yield Buffer.from(p);
  }
}

function options(extra: Partial<WriteBodyOptions> = {}): WriteBodyOptions & { peer: AbortController } {
  const peer = new AbortController();
  return { excess: 'error', peerGone: peer.signal, peer, ...extra };
}

describe('writeBody', () => {
  it('writes every byte through hundreds of drains and leaves no listener behind', async () => {
    const { out, received } = slowSink();
    const parts = Array.from({ length: 300 }, (_, i) => `chunk-${i};`);
    const size = BigInt(parts.join('').length);
    const user = new AbortController();
    const opts = options({ signal: user.signal });
    const before = { drain: out.listenerCount('drain'), error: out.listenerCount('error') };

    const outcome = await writeBody(out, chunksOf(...parts), size, opts);

    expect(outcome).toEqual({ sent: size, result: 'exact', readError: undefined, padded: true });
    await new Promise((resolve) => out.end(resolve));
    expect(Buffer.concat(received).toString()).toBe(parts.join(''));
    expect(out.listenerCount('drain')).toBe(before.drain);
    expect(out.listenerCount('error')).toBe(before.error);
    expect(getEventListeners(opts.peerGone, 'abort')).toHaveLength(0);
    expect(getEventListeners(user.signal, 'abort')).toHaveLength(0);
  });

  it('pads a short body with zeros to the announced size and reports it short', async () => {
    const { out, received } = slowSink();
    const outcome = await writeBody(out, chunksOf('abc'), 8n, options());
    expect(outcome.result).toBe('short');
    expect(outcome.sent).toBe(3n);
    await new Promise((resolve) => out.end(resolve));
    expect(Buffer.concat(received)).toEqual(Buffer.from('abc\0\0\0\0\0'));
  });

  // A `--size` stream that died early: past maxPad the caller cuts the file off.
  it.each([
    [5n, true, 'abc\0\0\0\0\0'],
    [4n, false, 'abc'],
  ])('a body 5 bytes short with maxPad %s: padded %s', async (maxPad, padded, expected) => {
    const { out, received } = slowSink();
    const outcome = await writeBody(out, chunksOf('abc'), 8n, options({ maxPad }));
    await new Promise((resolve) => out.end(resolve));
    expect(outcome).toMatchObject({ result: 'short', sent: 3n, padded });
    expect(Buffer.concat(received).toString('latin1')).toBe(expected);
  });

  // excess: 'ignore' is a regular file that grew after its size was announced:
  // OpenSSH sends the announced bytes and succeeds. The extra bytes may come
  // in the chunk that also holds the last announced ones, or after it.
  it.each([
    ['a chunk spanning the size', ['abcd', 'efgh'], 6n, 'abcdef'],
    ['a chunk after the size', ['abc', 'def', 'ghi'], 6n, 'abcdef'],
    ['an empty announced size', ['abc'], 0n, ''],
  ])('stops at the size with %s: "long" for excess: error, "exact" for excess: ignore', async (_what, parts, size, expected) => {
    for (const excess of ['error', 'ignore'] as const) {
      const { out, received } = slowSink();
      const outcome = await writeBody(out, chunksOf(...parts), size, options({ excess }));
      expect(outcome).toEqual({ sent: size, result: excess === 'error' ? 'long' : 'exact', readError: undefined, padded: true });
      await new Promise((resolve) => out.end(resolve));
      expect(Buffer.concat(received).toString()).toBe(expected);
    }
  });

  it('rejects a wait for drain when the peer goes away, with its reason, and cleans up', async () => {
    const { out } = slowSink(1);
    const opts = options();
    const gone = new Error('peer closed the channel');
    async function* body(): AsyncIterable<Uint8Array> {
      yield Buffer.from('first');
      opts.peer.abort(gone); // while writeBody waits for the drain of 'first'
      yield Buffer.from('second');
    }
    await expect(writeBody(out, body(), 11n, opts)).rejects.toBe(gone);
    expect(getEventListeners(opts.peerGone, 'abort')).toHaveLength(0);
  });

  it('rejects a pending wait when the caller aborts', async () => {
    const { out } = slowSink(1);
    const user = new AbortController();
    const opts = options({ signal: user.signal });
    const pending = writeBody(out, chunksOf('x'.repeat(100), 'y'), 101n, opts);
    setImmediate(() => user.abort());
    await expect(pending).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(getEventListeners(user.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the stream error when the stream fails during a wait', async () => {
    const { out, fail } = slowSink(1);
    const broken = new Error('EPIPE: broken pipe');
    fail(broken);
    await expect(writeBody(out, chunksOf('abc', 'def'), 6n, options())).rejects.toBe(broken);
    expect(out.listenerCount('drain')).toBe(0);
  });

  // A slow producer: writeBody waits for input when the channel goes. The
  // user hears of it then; the input is let go (its return() called).
  it.each([
    ['the peer goes away', (o: ReturnType<typeof options>, _user: AbortController) => o.peer.abort(new Error('channel closed')), { message: 'channel closed' }],
    ['the caller aborts', (_o: ReturnType<typeof options>, user: AbortController) => user.abort(), { code: 'ERR_ABORTED' }],
  ])('rejects a wait for input at once when %s, and lets the input go', async (_what, cut, expected) => {
    const { out, received } = slowSink();
    const user = new AbortController();
    const opts = options({ signal: user.signal });
    let released = false;
    let asked = 0;
    const input: AsyncIterator<Uint8Array> & AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => input,
      next: () => {
        if (++asked > 1) return new Promise(() => undefined); // the producer is slow: never answers
        return Promise.resolve({ done: false, value: Buffer.from('abc') });
      },
      return: async () => {
        released = true;
        return { done: true, value: undefined };
      },
    };
    const pending = writeBody(out, input, 10n, opts);
    // Cut only once the first chunk is in the sink and writeBody waits for the next: a timer could fire first on a loaded machine.
    await waitFor(() => asked > 1 && received.length > 0, 'writeBody to wait for more input');
    cut(opts, user);
    await expect(pending).rejects.toMatchObject(expected);
    expect(released).toBe(true);
    expect(Buffer.concat(received).toString()).toBe('abc');
    expect(getEventListeners(opts.peerGone, 'abort')).toHaveLength(0);
    expect(getEventListeners(user.signal, 'abort')).toHaveLength(0);
  });

  it('lets the input go (return()) when it stops at the size, as for-await does', async () => {
    const { out } = slowSink();
    let released = 0;
    async function* body(): AsyncGenerator<Uint8Array> {
      try {
        yield Buffer.from('abcd');
        yield Buffer.from('efgh');
      } finally {
        released++;
      }
    }
    const outcome = await writeBody(out, body(), 4n, options({ excess: 'ignore' }));
    expect(outcome.result).toBe('exact');
    expect(released).toBe(1);
  });

  it('hands a Readable body on chunk by chunk as pushed, never joined into a copy', async () => {
    // A spool held in RAM: 64 KiB pipe reads replayed with 256 KiB buffered.
    const chunks = Array.from({ length: 16 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const written: Buffer[] = [];
    const out = new Writable({
      highWaterMark: 1024 * 1024,
      write(chunk: Buffer, _enc, cb) {
        written.push(chunk);
        setImmediate(cb);
      },
    });
    const size = BigInt(16 * 64 * 1024);
    const outcome = await writeBody(out, new MemoryReplay(chunks, 256 * 1024), size, options());
    expect(outcome.result).toBe('exact');
    expect(written).toHaveLength(16);
    written.forEach((chunk, i) => expect(chunk.buffer).toBe(chunks[i]!.buffer));
  });

  it('destroys a Readable body it stops reading at the size', async () => {
    const { out } = slowSink();
    const body = new Readable({ read() { this.push(Buffer.from('abcdefgh')); } });
    const outcome = await writeBody(out, body, 4n, options({ excess: 'ignore' }));
    expect(outcome.result).toBe('exact');
    expect(body.destroyed).toBe(true);
  });

  it('does not wait for input at all when the peer is gone before it starts', async () => {
    const { out } = slowSink();
    const opts = options();
    opts.peer.abort(new Error('channel closed'));
    let asked = 0;
    const input: AsyncIterator<Uint8Array> & AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => input,
      next: () => {
        asked++;
        return new Promise(() => undefined); // a producer that never writes
      },
      return: async () => ({ done: true, value: undefined }),
    };
    await expect(writeBody(out, input, 10n, opts)).rejects.toThrow('channel closed');
    expect(asked).toBe(0);
  });
});
