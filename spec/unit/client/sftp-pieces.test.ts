import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { piecesOf, type PieceSource } from '../../../lib/client/sftp-pieces';
import { SpoolFile } from '../../../lib/spool/spool-file';
import { FileSpool } from '../../../lib/spool/spools';
import { FileReads } from '../../../lib/fs/file-reads';

async function drain(source: PieceSource, release = true): Promise<Buffer[]> {
  const pieces: Buffer[] = [];
  for (let p = await source.next(); p !== undefined; p = await source.next()) {
    pieces.push(Buffer.from(p)); // a copy: the piece's buffer may be filled again once released
    if (release) source.release(p);
  }
  return pieces;
}

describe('piecesOf', () => {
  it('cuts chunks of any size into pieces of the request size, the last one shorter', async () => {
    const data = randomBytes(10 * 7 + 3);
    const chunkSizes = [1, 6, 13, 2, 40, 11];
    const chunks: Buffer[] = [];
    for (let at = 0, i = 0; at < data.length; i++) {
      const n = chunkSizes[i % chunkSizes.length]!;
      chunks.push(data.subarray(at, at + n));
      at += n;
    }
    const pieces = await drain(piecesOf(Readable.from(chunks), 10));
    expect(pieces.map((p) => p.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 3]);
    expect(Buffer.concat(pieces).equals(data)).toBe(true);
  });

  it('fails with ERR_LOCAL_IO, as the spool does, for an input that fails or gives what is not bytes', async () => {
    const failing = new Readable({ read() { this.destroy(new Error('disk gone')); } });
    await expect(piecesOf(failing, 10).next()).rejects.toMatchObject({ name: 'ScpipeError', code: 'ERR_LOCAL_IO', message: 'error reading input: disk gone' });
    await expect(piecesOf(Readable.from(['abc']), 10).next()).rejects.toMatchObject({ code: 'ERR_LOCAL_IO', message: 'error reading input: expected bytes, got a string' });
    async function* throws(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('x');
      throw new Error('gen failed');
    }
    const source = piecesOf(throws(), 10);
    await expect(source.next()).rejects.toMatchObject({ code: 'ERR_LOCAL_IO', message: 'error reading input: gen failed', bytes: 1n });
  });

  it('gives nothing for an empty input', async () => {
    expect(await drain(piecesOf(Readable.from([]), 10))).toEqual([]);
    expect(await drain(piecesOf(new Uint8Array(0), 10))).toEqual([]);
  });

  it('passes a whole piece of a chunk on as it is, without a copy', async () => {
    const data = randomBytes(25);
    const source = piecesOf(data, 10);
    const first = (await source.next())!;
    expect(first.buffer).toBe(data.buffer);
    expect(first.byteOffset).toBe(data.byteOffset);
    expect(first.length).toBe(10);
    source.release(first); // not the pool's: ignored
    const rest = await drain(source);
    expect(Buffer.concat([first, ...rest]).equals(data)).toBe(true);
  });

  it('passes on each whole piece a Readable pushed, though it pushed several at once (no joined copy)', async () => {
    const chunks = Array.from({ length: 6 }, () => randomBytes(10));
    // As a spool's RAM replay: every chunk pushed in one _read(), so several wait in the stream at once.
    const stream = new Readable({ highWaterMark: 1024, read() { for (const c of chunks) this.push(c); this.push(null); } });
    const source = piecesOf(stream, 10);
    for (const chunk of chunks) {
      const piece = (await source.next())!;
      expect(piece.buffer).toBe(chunk.buffer);
      expect(piece.byteOffset).toBe(chunk.byteOffset);
      expect(piece.length).toBe(10);
    }
    expect(await source.next()).toBeUndefined();
  });

  it("reads a spool file's replay in reads of the request size, each passed on as one piece", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scpipe-pieces-'));
    const file = await SpoolFile.create(dir);
    try {
      const data = randomBytes(10 * 1000 + 7);
      await file.append([data]);
      const lengths: number[] = [];
      const read = file.read.bind(file);
      file.read = (buffer, length, position) => {
        lengths.push(length);
        return read(buffer, length, position);
      };
      const source = piecesOf(new FileSpool(file, data.length).replay(), 1000);
      const first = (await source.next())!;
      const firstBytes = Buffer.from(first);
      source.release(first);
      const rest = await drain(source);
      expect(Buffer.concat([firstBytes, ...rest]).equals(data)).toBe(true);
      // Each read is one piece: none is copied into another (the last, 7 bytes, aside).
      expect(lengths).toEqual([...Array<number>(10).fill(1000), 7]);
      expect(rest.map((p) => p.length)).toEqual([...Array<number>(9).fill(1000), 7]);
    } finally {
      await file.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a regular file (FileReads, or a descriptor) straight into the pieces, one read each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scpipe-pieces-'));
    const data = randomBytes(10 * 1000 + 7);
    writeFileSync(join(dir, 'f'), data);
    const fd = openSync(join(dir, 'f'), 'r');
    try {
      for (const input of [new FileReads(fd, 0), { fd }]) {
        const source = piecesOf(input, 1000);
        const pieces: Buffer[] = [];
        for (let p = await source.next(); p !== undefined; p = await source.next()) {
          // A piece's own buffer, not a view into a larger read copied out piece by piece.
          expect([p.byteOffset, p.buffer.byteLength]).toEqual([0, 1000]);
          pieces.push(Buffer.from(p));
          source.release(p);
        }
        expect(pieces.map((p) => p.length)).toEqual([...Array<number>(10).fill(1000), 7]);
        expect(Buffer.concat(pieces).equals(data)).toBe(true);
      }
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fills a released piece again instead of a new one, and never one still held', async () => {
    const chunks = Array.from({ length: 12 }, () => randomBytes(3)); // 36 bytes: pieces are copied
    const source = piecesOf(Readable.from(chunks), 6);
    const a = (await source.next())!;
    const b = (await source.next())!;
    expect(a.buffer).not.toBe(b.buffer);
    const aContent = Buffer.from(a);
    source.release(b);
    source.release(b); // twice: once only, or two pieces would share a buffer
    const c = (await source.next())!;
    expect(c.buffer).toBe(b.buffer);
    const d = (await source.next())!;
    expect(d.buffer).not.toBe(c.buffer);
    expect(d.buffer).not.toBe(a.buffer);
    expect(a.equals(aContent)).toBe(true); // still held: untouched
    const all = Buffer.concat(chunks);
    expect([c, d].map((p) => p.toString('hex'))).toEqual([all.subarray(12, 18), all.subarray(18, 24)].map((p) => p.toString('hex')));
  });

  it('close() ends the input it iterates', async () => {
    let returned = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) yield randomBytes(4);
      } finally {
        returned = true;
      }
    }
    const source = piecesOf(endless(), 10);
    await source.next();
    source.close();
    await new Promise((r) => setImmediate(r));
    expect(returned).toBe(true);
  });

  describe('of a non-blocking pipe descriptor other than stdin', () => {
    // As a program opens a FIFO with O_NONBLOCK: reads answer EAGAIN until the producer writes.
    let dir: string;
    let reader: number;
    let writer: number;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'scpipe-fifo-'));
      execFileSync('mkfifo', [join(dir, 'fifo')]);
      reader = openSync(join(dir, 'fifo'), constants.O_RDONLY | constants.O_NONBLOCK);
      writer = openSync(join(dir, 'fifo'), constants.O_WRONLY);
    });
    afterEach(() => {
      closeSync(reader);
      try {
        closeSync(writer);
      } catch {
        // closed by the test
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('waits for the producer instead of failing with EAGAIN', async () => {
      const data = randomBytes(5000);
      const pieces = drain(piecesOf({ fd: reader }, 1000));
      for (let at = 0; at < data.length; at += 700) {
        await new Promise((r) => setTimeout(r, 5));
        writeSync(writer, data.subarray(at, at + 700));
      }
      closeSync(writer);
      expect(Buffer.concat(await pieces).equals(data)).toBe(true);
    });

    it('close() ends it while it waits', async () => {
      const source = piecesOf({ fd: reader }, 1000);
      const first = source.next();
      await new Promise((r) => setTimeout(r, 20));
      source.close();
      expect(await first).toBeUndefined();
    });
  });
});
