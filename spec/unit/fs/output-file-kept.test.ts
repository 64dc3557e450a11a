// A resumed restore that fails (a sum not the one expected, a lost connection)
// keeps its file for the next run: every byte handed to it must be in that file,
// not only those the write stream had written when the run gave up.
import { open, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { openOutputFile } from '../../../lib/fs/open-output';
import { OutputFile } from '../../../lib/fs/output-file';
import { tempDir } from './helpers';

it('abort() of a kept file writes out what is queued, then leaves the file with all of it', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const keptPath = path.join(dir, 'f.bin.scpipe-partial');
    const handle = await open(keptPath, 'w', 0o600);
    const f = await openOutputFile(path.join(dir, 'f.bin'), { size: 64n << 20n, mode: 0o644, preserve: false, umask: 0o022, kept: { path: keptPath, fd: handle.fd, start: 0n } });
    if (!(f instanceof OutputFile)) throw new Error(`not opened: ${f.error}`);
    const chunk = Buffer.alloc(256 * 1024, 7);
    // Not awaited: the writes queue in the stream, as they do while a sum is checked.
    for (let i = 0; i < 32; i++) void f.write(chunk);
    await f.abort();
    expect((await stat(keptPath)).size).toBe(32 * chunk.length);
    expect((await readFile(keptPath)).every((b) => b === 7)).toBe(true);
    expect(await stat(path.join(dir, 'f.bin')).catch(() => 'missing')).toBe('missing');
  } finally {
    await cleanup();
  }
});
