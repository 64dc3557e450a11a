// put over SCP to scpipe serve on a full disk: serve's scp says the file's
// size and the room left after strerror, and that is still a full disk to
// the client: ERR_NO_SPACE, as OpenSSH's scp -t's words are (docs/library.md).
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { servePerSuite } from '../helpers/serve';
import { runCli } from '../helpers/cli';
import { unmount } from '../helpers/tmpfs';

const serve = servePerSuite();

it('put -O to a full disk under serve: exit 1, ERR_NO_SPACE with the command that frees the space, nothing left there', async () => {
  const small = join(serve.root, 'small');
  await mkdir(small);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
  try {
    const r = await runCli(['put', '-O', '--json', ...serve.scpipeArgs(), 'backup@127.0.0.1:/small/f.bin'], { stdin: randomBytes(3 * 1024 * 1024) });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout.toString()).error.code).toBe('ERR_NO_SPACE');
    expect(r.stderr).toMatch(/^scpipe: remote: scp: \/small\/f\.bin: No space left on device \(the file is 3 MiB, and its file system has [^)]* free\); the remote file \/small\/f\.bin is left cut short, holding what fit, and its space: remove it, or store an empty file over it: `scpipe put -O --size 0 .* backup@127\.0\.0\.1:\/small\/f\.bin < \/dev\/null`\n$/);
    // serve removes what did not fit (docs/failures.md), so no space stays taken.
    expect(await readdir(small)).toEqual([]);
  } finally {
    await unmount(small);
  }
});
