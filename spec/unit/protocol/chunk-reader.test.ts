import { Duplex, PassThrough, Readable } from 'node:stream';
import { ChunkReader } from '../../../lib/protocol/chunk-reader';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// Reads until done, returning the chunks.
async function drain(reader: ChunkReader): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let r = await reader.next(); !r.done; r = await reader.next()) out.push(r.value);
  return out;
}

describe('ChunkReader', () => {
  test('hands out each chunk as it was pushed, the same Buffer, even when several are waiting', async () => {
    const stream = new PassThrough();
    const reader = new ChunkReader(stream);
    const chunks = [Buffer.from('first'), Buffer.from('second'), Buffer.from('third')];
    for (const c of chunks) stream.write(c);
    stream.end();
    await tick();
    const got = await drain(reader);
    expect(got).toHaveLength(3);
    got.forEach((c, i) => expect(c).toBe(chunks[i]));
  });

  test("a Readable's own iterator merges waiting chunks into a copy (why this class exists)", async () => {
    const stream = new Readable({ read() {} });
    const chunks = [Buffer.from('ab'), Buffer.from('cd')];
    for (const c of chunks) stream.push(c);
    const first = await stream.iterator().next();
    expect(first.value).toEqual(Buffer.from('abcd'));
    expect(first.value).not.toBe(chunks[0]);
  });

  test('a next() that waits is answered by the next chunk, then by the end', async () => {
    const stream = new Readable({ read() {} });
    const reader = new ChunkReader(stream);
    const pending = reader.next();
    await tick();
    const chunk = Buffer.from('late');
    stream.push(chunk);
    await expect(pending).resolves.toEqual({ value: chunk, done: false });
    const end = reader.next();
    stream.push(null);
    await expect(end).resolves.toEqual({ value: undefined, done: true });
    await expect(reader.next()).resolves.toEqual({ value: undefined, done: true });
  });

  test('chunks queued before the end are all handed out', async () => {
    const stream = new Readable({ read() {} });
    const reader = new ChunkReader(stream);
    stream.push(Buffer.from('x'));
    stream.push(Buffer.from('y'));
    stream.push(null);
    await tick();
    expect((await drain(reader)).map(String)).toEqual(['x', 'y']);
  });

  // A reader slower than the stream: the queue is never empty, so it was
  // never reset, and every chunk handed out stayed referenced from the
  // front of its array (an `scpipe get -O | slow consumer` grew by the
  // whole file: 640 MB after 18 s).
  test('a queue that never empties does not keep the chunks handed out', async () => {
    const stream = new Readable({ read() {} });
    const reader = new ChunkReader(stream, 1 << 30);
    stream.push(Buffer.alloc(16));
    for (let i = 0; i < 5000; i++) {
      stream.push(Buffer.alloc(16));
      await tick();
      expect((await reader.next()).done).toBe(false);
    }
    const held = (reader as unknown as { queue: Buffer[] }).queue.length;
    expect(held).toBeLessThan(2100);
  });

  test('empty chunks are skipped', async () => {
    const stream = new PassThrough();
    const reader = new ChunkReader(stream);
    stream.write(Buffer.alloc(0));
    stream.write(Buffer.from('z'));
    stream.end();
    expect((await drain(reader)).map(String)).toEqual(['z']);
  });

  test('pauses the stream while highWaterMark bytes are queued, and the producer is asked for no more', async () => {
    let reads = 0;
    const stream = new Readable({ highWaterMark: 4, read() { reads += 1; } });
    const reader = new ChunkReader(stream, 10);
    await tick();
    stream.push(Buffer.alloc(6));
    await tick();
    expect(stream.isPaused()).toBe(false);
    stream.push(Buffer.alloc(6)); // 12 queued >= 10
    await tick();
    expect(stream.isPaused()).toBe(true);
    const readsWhilePaused = reads;
    stream.push(Buffer.alloc(6)); // stays in the stream's buffer (over its highWaterMark)
    await tick();
    await tick();
    expect(reads).toBe(readsWhilePaused);
    expect(stream.readableLength).toBe(6);

    expect((await reader.next()).value).toHaveLength(6); // 6 queued < 10: flows again
    expect(stream.isPaused()).toBe(false);
    await tick();
    expect(stream.readableLength).toBe(0);
    expect(reads).toBeGreaterThan(readsWhilePaused);
    expect((await reader.next()).value).toHaveLength(6);
    expect((await reader.next()).value).toHaveLength(6);
  });

  test('an error drops what is queued and rejects, at once and on every later call', async () => {
    const stream = new Readable({ read() {} });
    const reader = new ChunkReader(stream);
    stream.push(Buffer.from('never seen'));
    await tick();
    const boom = new Error('boom');
    stream.destroy(boom);
    await tick();
    await expect(reader.next()).rejects.toBe(boom);
    await expect(reader.next()).rejects.toBe(boom);
  });

  test('a stream destroyed before its end rejects a waiting next() with ERR_STREAM_PREMATURE_CLOSE', async () => {
    const stream = new Readable({ read() {} });
    const reader = new ChunkReader(stream);
    const pending = reader.next();
    stream.destroy();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  test("a duplex's readable end is the end, while its writable side stays open", async () => {
    const duplex = new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
    const reader = new ChunkReader(duplex);
    duplex.push(Buffer.from('data'));
    duplex.push(null);
    expect((await drain(reader)).map(String)).toEqual(['data']);
    expect(duplex.writable).toBe(true);
    expect(duplex.write(Buffer.from('still open'))).toBe(true);
  });
});
