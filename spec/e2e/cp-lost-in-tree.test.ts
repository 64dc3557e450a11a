// cp -r over SCP whose connection is lost for good (--retries 0, the sshd
// serving it killed) after a file inside the directory came whole, the rest
// of the directory not yet: the message must not read as if only the
// remote's exit status was missing. The remote scp is OpenSSH's, its output
// cut by a wrapper after the directory's header and its first file (both
// files are the same size, so whichever comes first), which then leaves a
// mark and waits for the kill.
import { chmod, chown, mkdir, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections } from '../helpers/drop-connections';
import { tempDirPerTest } from '../helpers/temp-dir';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-lost-in-tree-');

it('cp -r -O, the connection lost after a file inside the directory: said as lost inside it, exit 1', async () => {
  const dir = await userDir(sshd.user, 'lost-in-tree');
  const tree = join(dir, 'd');
  await mkdir(tree);
  await chmod(tree, 0o755);
  await chown(tree, sshd.user.uid, sshd.user.gid);
  for (const name of ['a', 'b']) {
    await writeFile(join(tree, name), 'x');
    await chmod(join(tree, name), 0o644);
  }
  const mark = join(await userDir(sshd.user, 'mark'), 'waiting');
  // `D0755 0 d\n`, `C0644 1 a\n` (or b), its byte and its \0: the tree's first file whole, no more.
  const cut = 'D0755 0 d\nC0644 1 a\nx\0'.length;
  const scp = join(dir, 'scp-cut');
  await writeFile(scp, `#!/bin/sh\nscp "$@" | dd bs=1 count=${cut} status=none\n: > '${mark}'\nsleep 60\n`, { mode: 0o755 });
  const out = local();
  const run = startCli(['cp', '-r', '-O', ...sshFlags(sshd, sshd.user), '--scp-path', scp, '--retries', '0', remote(sshd, sshd.user, tree), out], { timeoutMs: 60_000 });
  await waitFor(() => existsSync(mark), 'the remote scp cut after the first file', 30_000);
  expect(await dropConnections(sshd)).toBeGreaterThan(0);
  const r = await run.done;
  expect(r.status).toBe(1);
  expect(r.stderr).toBe('scpipe: connection lost after a file inside a directory came whole, before the rest of the directory\n');
  expect((await readdir(join(out, 'd'))).length).toBe(1);
}, 90_000);
