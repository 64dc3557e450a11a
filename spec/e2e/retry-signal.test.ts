// SIGTERM (or SIGINT) while an SCP upload from the spool waits to retry: the
// run ends (143), and still says the remote file the lost attempt left cut
// short under the target's name. Before, only "interrupted by SIGTERM", where
// a signal during the transfer itself says what it left (docs/failures.md).
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections } from '../helpers/drop-connections';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();

it('SIGTERM while waiting to retry: exit 143, and the file cut short is said', async () => {
  const dir = await userDir(sshd.rssh, 'signal');
  const file = join(dir, 'f.bin');
  const run = startCli(['put', ...sshFlags(sshd, sshd.rssh), '-O', '-l', '8000', remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, dir)}/f.bin`)], { stdin: randomBytes(8 * 1024 * 1024), timeoutMs: 60_000 });
  await waitFor(async () => ((await stat(file).catch(() => undefined))?.size ?? 0) > 0, 'bytes in the remote file', 30_000);
  await dropConnections(sshd);
  await waitFor(() => run.stderr().includes('retry 1 of'), 'the retry line', 30_000);
  run.child.kill('SIGTERM');
  const r = await run.done;
  expect(r.status).toBe(143);
  const last = r.stderr.trimEnd().split('\n').pop()!;
  expect(last).toMatch(/^scpipe: interrupted by SIGTERM while retrying: connection lost while sending the file data; the remote file \S+\/f\.bin is left cut short: at most \d+ of 8388608 bytes written, /);
  expect((await stat(file)).size).toBeLessThan(8 * 1024 * 1024);
});
