// `scpipe serve` and special files a root may hold: an upload onto a FIFO
// must be refused, not opened. Opening a FIFO that no one reads for writing
// blocks a thread of libuv's pool until someone does; four such uploads
// blocked all four, and with them every file operation of every client,
// for good (the threads stayed blocked after the clients left).
import { execFileSync } from 'node:child_process';
import { constants, openSync, closeSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProgram } from '../helpers/run-program';
import { servePerSuite } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite();
const localDir = tempDirPerTest('scpipe-test-servespecial-');

// Lets writers blocked in open() go (without the fix), so the server can stop.
function releaseWriters(fifo: string): void {
  for (let i = 0; i < 8; i++) closeSync(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK));
}

describe('serve with a FIFO in the root', () => {
  it('refuses scp -O uploads onto it and keeps serving everyone', async () => {
    const local = localDir();
    const fifo = join(serve.root, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await writeFile(join(local, 'f'), 'data');
    const scp = (to: string) => runProgram('scp', ['-O', '-q', ...serve.sshArgs(), join(local, 'f'), `127.0.0.1:${to}`], '', { timeoutMs: 10_000 });
    try {
      const runs = await Promise.all([1, 2, 3, 4, 5].map(() => scp('/fifo')));
      for (const r of runs) expect(r).toMatchObject({ status: 1, stderr: 'scp: /fifo: not a regular file\n' });
      expect(await scp('/after')).toMatchObject({ status: 0 });
      expect(await readFile(join(serve.root, 'after'), 'utf8')).toBe('data');
    } finally {
      releaseWriters(fifo);
    }
  }, 60_000);
});
