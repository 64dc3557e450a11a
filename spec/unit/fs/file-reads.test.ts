import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileReads } from '../../../lib/fs/file-reads';
import { BODY_CHUNK } from '../../../lib/util/body-chunk';

async function all(stream: FileReads): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return chunks;
}

describe('FileReads', () => {
  let dir: string;
  let path: string;
  const data = randomBytes(2 * BODY_CHUNK + 123);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scpipe-file-reads-'));
    path = join(dir, 'f');
    writeFileSync(path, data);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads from a position to the end in BODY_CHUNK reads, and leaves the descriptor open', async () => {
    const fd = openSync(path, 'r');
    try {
      const chunks = await all(new FileReads(fd, 100));
      expect(chunks.map((c) => c.length)).toEqual([BODY_CHUNK, BODY_CHUNK, 23]);
      expect(Buffer.concat(chunks).equals(data.subarray(100))).toBe(true);
      expect(fstatSync(fd).isFile()).toBe(true); // still open
    } finally {
      closeSync(fd);
    }
  });

  it('reads at most highWaterMark bytes at a time: a small file is one read of its size, not a 256 KiB buffer', async () => {
    const fd = openSync(path, 'r');
    try {
      const chunks = await all(new FileReads(fd, 0, 100_000));
      expect(chunks.map((c) => c.length)).toEqual([100_000, 100_000, 100_000, 100_000, 100_000, data.length - 500_000]);
      expect(chunks.every((c) => c.buffer.byteLength === 100_000)).toBe(true);
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
    } finally {
      closeSync(fd);
    }
  });

  it("reads from the descriptor's own offset when given no position", async () => {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, Buffer.alloc(10));
      expect(Buffer.concat(await all(new FileReads(fd))).equals(data.subarray(10))).toBe(true);
    } finally {
      closeSync(fd);
    }
  });

  it('reads into the memory fitReads() lends, in reads of its size', async () => {
    const fd = openSync(path, 'r');
    try {
      const stream = new FileReads(fd, 0);
      const lent: Buffer[] = [];
      stream.fitReads(1000, (length) => {
        lent.push(Buffer.allocUnsafe(length));
        return lent[lent.length - 1]!;
      });
      const chunks = await all(stream);
      expect(chunks.slice(0, -1).every((c, i) => c === lent[i] && c.length === 1000)).toBe(true);
      expect(chunks[chunks.length - 1]!.length).toBe(data.length % 1000);
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
    } finally {
      closeSync(fd);
    }
  });

  it('fails with the read error, as a ReadStream does', async () => {
    const fd = openSync(dir, 'r'); // a directory: read() answers EISDIR
    try {
      await expect(all(new FileReads(fd))).rejects.toMatchObject({ code: 'EISDIR' });
    } finally {
      closeSync(fd);
    }
  });
});

describe('FileReads with lent memory', () => {
  it('gives back the buffer of the last read, which found the end and filled nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scpipe-file-reads-'));
    const fd = openSync(join(dir, 'f'), 'w+');
    try {
      writeFileSync(fd, Buffer.alloc(2500, 7));
      const stream = new FileReads(fd, 0);
      const lent: Buffer[] = [];
      const back: Buffer[] = [];
      stream.fitReads(1000, (length) => lent[lent.push(Buffer.allocUnsafe(length)) - 1]!, (b) => back.push(b));
      const chunks = await all(stream);
      expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 500]);
      expect(lent).toHaveLength(4); // three reads of bytes, and one of the end
      expect(back).toEqual([lent[3]]);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
