// A process that exits while a file is half received (a second Ctrl-C, the
// 10 s grace after a signal running out) leaves no `.NAME.scpipe-PID-XXXX`
// temp file beside the target: its removal runs at exit. Run in a child
// process, from dist (npm run build), as exiting is the point.
import { spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { tempDir } from './helpers';

const OPEN_OUTPUT = path.resolve(__dirname, '../../../dist/lib/fs/open-output.js');

function exitMidFile(target: string, then: string): void {
  const script = `
    const { openOutputFile } = require(${JSON.stringify(OPEN_OUTPUT)});
    (async () => {
      const f = await openOutputFile(process.argv[1], { size: 10n, mode: 0o644, preserve: false, umask: 0o022 });
      await f.write(Buffer.from('abc'));
      ${then}
      process.exit(130);
    })();`;
  const r = spawnSync(process.execPath, ['-e', script, target], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(130);
}

it('exiting mid-file removes the temp file', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    exitMidFile(path.join(dir, 'f.bin'), '');
    expect(await readdir(dir)).toEqual([]);
  } finally {
    await cleanup();
  }
});

it('exiting after the file was stored keeps it', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    exitMidFile(path.join(dir, 'f.bin'), "await f.write(Buffer.from('defghij')); await f.finish({ ok: true });");
    expect(await readdir(dir)).toEqual(['f.bin']);
  } finally {
    await cleanup();
  }
});
