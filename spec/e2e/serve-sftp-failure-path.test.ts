// A write that the disk refused was answered `big: No space left on device`,
// the path as the client gave it, while the transfer's log line said
// `/big`: two forms of one file. Both now name it from the root, as the
// operator finds it on the server's disk.
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { servePerSuite, ssh2Client } from '../helpers/serve';
import { unmount } from '../helpers/tmpfs';
import { waitFor } from '../helpers/async';

const serve = servePerSuite();

it('a write to a full disk names the file from the root, in the reply and in the log line alike', async () => {
  const small = join(serve.root, 'small');
  await mkdir(small);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
  const client = await ssh2Client(serve);
  try {
    const s = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, x) => (err ? reject(err) : resolve(x))));
    const handle = await new Promise<Buffer>((resolve, reject) => s.open('small/./big', 'w', (err, h) => (err ? reject(err) : resolve(h))));
    const chunk = Buffer.alloc(32 * 1024);
    let failure: Error | undefined;
    for (let at = 0; failure === undefined && at < 4 * 1024 * 1024; at += chunk.length) {
      failure = await new Promise<Error | undefined>((resolve) => s.write(handle, chunk, 0, chunk.length, at, (err) => resolve(err ?? undefined)));
    }
    expect(failure?.message).toBe('/small/big: No space left on device');
    await new Promise<void>((resolve) => s.close(handle, () => resolve()));
    await waitFor(() => /sftp upload \/small\/big \d+ bytes failed: /.test(serve.log()), 'the log line');
    expect(serve.log()).toMatch(/sftp upload \/small\/big \d+ bytes failed: \/small\/big: No space left on device\n/);
  } finally {
    client.destroy();
    await unmount(small);
  }
});
