import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FdInput, FD_BLOCK } from '../../../lib/spool/fd-input';
import { spool } from '../../../lib/spool';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scpipe-test-fd-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('FdInput', () => {
  it('hands out whole 1 MiB blocks and a short last one', async () => {
    const data = randomBytes(2 * FD_BLOCK + 5);
    await writeFile(join(dir, 'f'), data);
    const fd = openSync(join(dir, 'f'), 'r');
    try {
      const sizes: number[] = [];
      const parts: Buffer[] = [];
      for await (const b of new FdInput(fd)) {
        sizes.push(b.length);
        parts.push(Buffer.from(b));
      }
      expect(sizes).toEqual([FD_BLOCK, FD_BLOCK, 5]);
      expect(sha(Buffer.concat(parts))).toBe(sha(data)); // (toEqual on MiBs is very slow)
    } finally {
      closeSync(fd);
    }
  });

  it('reuses a recycled block', async () => {
    await writeFile(join(dir, 'f'), Buffer.alloc(3 * FD_BLOCK, 1));
    const fd = openSync(join(dir, 'f'), 'r');
    try {
      const input = new FdInput(fd);
      const seen: Buffer[] = [];
      for await (const b of input) {
        seen.push(b);
        input.recycle([b]);
      }
      expect(seen).toHaveLength(3);
      expect(seen[1]).toBe(seen[0]);
      expect(seen[2]).toBe(seen[0]);
    } finally {
      closeSync(fd);
    }
  });

  it('spools a pipe (a FIFO fed by another process) through the disk path byte-exact', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const data = randomBytes(12 * FD_BLOCK + 12345);
    await writeFile(join(dir, 'src'), data);
    const writer = spawn('sh', ['-c', `cat '${join(dir, 'src')}' > '${fifo}'`]);
    const writerDone = new Promise((r) => writer.once('close', r));
    const fd = openSync(fifo, 'r');
    try {
      const s = await spool(new FdInput(fd), { memoryLimit: 3 * FD_BLOCK, spoolDir: dir });
      expect(s.onDisk).toBe(true);
      expect(s.size).toBe(BigInt(data.length));
      const back: Buffer[] = [];
      for await (const c of s.replay()) back.push(c as Buffer);
      expect(sha(Buffer.concat(back))).toBe(sha(data));
      await s.dispose();
    } finally {
      closeSync(fd);
      await writerDone;
    }
    expect((await readdir(dir)).sort()).toEqual(['fifo', 'src']);
  });
});
