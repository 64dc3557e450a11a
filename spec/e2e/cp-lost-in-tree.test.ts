// cp over SCP whose connection is lost for good (--retries 0, the sshd
// serving it killed) after one file came whole where more were to come (the
// rest of a directory under -r, a remote glob's other files): the message
// must not read as if only the remote's exit status was missing. The remote
// scp is OpenSSH's, its output cut by a wrapper after the first file (both
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

// `d` in a new directory of the account, holding a and b of one byte each.
async function twoFiles(name: string): Promise<string> {
  const dir = await userDir(sshd.user, name);
  const tree = join(dir, 'd');
  await mkdir(tree);
  await chmod(tree, 0o755);
  await chown(tree, sshd.user.uid, sshd.user.gid);
  for (const name of ['a', 'b']) {
    await writeFile(join(tree, name), 'x');
    await chmod(join(tree, name), 0o644);
  }
  return tree;
}

// Runs cp with `args` through a remote scp cut after `cut` bytes of its output, then drops the connection.
async function cutAfter(cut: number, args: string[]): Promise<{ status: number | null; stderr: string }> {
  const dir = await userDir(sshd.user, 'cut-scp');
  const mark = join(await userDir(sshd.user, 'mark'), 'waiting');
  const scp = join(dir, 'scp-cut');
  await writeFile(scp, `#!/bin/sh\nscp "$@" | dd bs=1 count=${cut} status=none\n: > '${mark}'\nsleep 60\n`, { mode: 0o755 });
  const run = startCli(['cp', '-O', ...sshFlags(sshd, sshd.user), '--scp-path', scp, '--retries', '0', ...args], { timeoutMs: 60_000 });
  await waitFor(() => existsSync(mark), 'the remote scp cut after the first file', 30_000);
  expect(await dropConnections(sshd)).toBeGreaterThan(0);
  return run.done;
}

it('cp -r -O, the connection lost after a file inside the directory: said as lost inside it, exit 1', async () => {
  const tree = await twoFiles('lost-in-tree');
  const out = local();
  // `D0755 0 d\n`, `C0644 1 a\n` (or b), its byte and its \0: the tree's first file whole, no more.
  const r = await cutAfter('D0755 0 d\nC0644 1 a\nx\0'.length, ['-r', remote(sshd, sshd.user, tree), out]);
  expect(r.status).toBe(1);
  expect(r.stderr).toBe('scpipe: connection lost after a file inside a directory came whole, before the rest of the directory\n');
  expect((await readdir(join(out, 'd'))).length).toBe(1);
}, 90_000);

it('cp -O --quote none of a glob, the connection lost after its first file: said as lost before the next file or the end, exit 1', async () => {
  const tree = await twoFiles('lost-in-glob');
  const out = local();
  const r = await cutAfter('C0644 1 a\nx\0'.length, ['--quote', 'none', remote(sshd, sshd.user, `${tree}/*`), out]);
  expect(r.status).toBe(1);
  expect(r.stderr).toBe("scpipe: connection lost after a file's data came whole, before the remote's next file or its exit status\n");
  expect((await readdir(out)).length).toBe(1);
}, 90_000);
