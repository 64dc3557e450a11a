// A resumed restore that fails (a sum not the one expected, a lost connection)
// keeps its file for the next run: every byte handed to it must be in that file,
// not only those the write stream had written when the run gave up.
import { openSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { openOutputFile } from '../../../lib/fs/open-output';
import { OutputFile } from '../../../lib/fs/output-file';
import { tempDir } from './helpers';

it('abort() of a kept file writes out what is queued, then leaves the file with all of it', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const keptPath = path.join(dir, 'f.bin.scpipe-partial');
    const fd = openSync(keptPath, 'w', 0o600); // a bare descriptor: the OutputFile owns and closes it
    const f = await openOutputFile(path.join(dir, 'f.bin'), { size: 64n << 20n, mode: 0o644, preserve: false, umask: 0o022, kept: { path: keptPath, fd, start: 0n } });
    if (!(f instanceof OutputFile)) throw new Error(`not opened: ${f.error}`);
    const chunk = Buffer.alloc(64 * 1024, 7);
    // write() resolves before its chunk is on disk (up to the stream's high-water mark): the last ones are queued.
    for (let i = 0; i < 120; i++) await f.write(chunk);
    await f.abort();
    expect((await stat(keptPath)).size).toBe(120 * chunk.length);
    expect((await readFile(keptPath)).every((b) => b === 7)).toBe(true);
    expect(await stat(path.join(dir, 'f.bin')).catch(() => 'missing')).toBe('missing');
  } finally {
    await cleanup();
  }
});
