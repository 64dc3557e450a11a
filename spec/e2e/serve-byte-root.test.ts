// `scpipe serve` over a root, and with a state directory, whose real paths
// are not UTF-8 (reached through a link: argv from Node is UTF-8). serve
// starts, says the root once as \xNN, serves it, and keeps the owners of
// uploads in progress in that state directory, as for any other paths.
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { startCli } from '../helpers/cli';
import { runProgram } from '../helpers/run-program';
import { tempDirPerTest } from '../helpers/temp-dir';

const localDir = tempDirPerTest('scpipe-test-byteroot-');

it('serves a root, and keeps owners in a state directory, whose real paths are not UTF-8', async () => {
  const local = localDir();
  const latin1 = (name: string): Buffer => Buffer.from(`${local}/${name}`, 'latin1');
  await mkdir(latin1('caf\xe9'));
  await mkdir(latin1('st\xe9'));
  await symlink(latin1('caf\xe9'), join(local, 'root'));
  await symlink(latin1('st\xe9'), join(local, 'state'));
  for (const key of ['host_key', 'id_ed25519']) execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', join(local, key)]);
  await writeFile(join(local, 'authorized_keys'), await readFile(join(local, 'id_ed25519.pub')));
  await writeFile(join(local, 'one'), 'part one');
  const serve = startCli(['serve', '--root', join(local, 'root'), '--addr', '127.0.0.1:0', '--host-key', join(local, 'host_key'), '--authorized-keys', join(local, 'authorized_keys'), '--append-only', '--state-dir', join(local, 'state'), '--stop-timeout', '0']);
  try {
    await waitFor(() => /listening on \S+:\d+,/.test(serve.stderr()) || serve.child.exitCode !== null, 'serve listening', 15_000);
    expect(serve.stderr()).toMatch(new RegExp(`owners of uploads in progress kept in ${local}/st\\\\xe9/append-only-[0-9a-f]{16}: 0 on record\\n`));
    expect(serve.stderr()).toContain(`, root ${local}/caf\\xe9 (append-only)\n`);
    const port = /listening on \S+:(\d+),/.exec(serve.stderr())![1]!;
    const ssh = ['-F', '/dev/null', '-o', `Port=${port}`, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', join(local, 'id_ed25519'), '-o', 'User=backup'];
    const put = await runProgram('sftp', ['-q', ...ssh, '-b', '-', '127.0.0.1'], `put ${join(local, 'one')} /.db.dump.scpipe-AbCdE1\n`);
    expect(put.status).toBe(0);
    expect(await readFile(Buffer.concat([latin1('caf\xe9'), Buffer.from('/.db.dump.scpipe-AbCdE1')]), 'utf8')).toBe('part one');
    const [records] = await readdir(latin1('st\xe9'), { encoding: 'buffer' });
    expect(await readdir(Buffer.concat([latin1('st\xe9/'), records!]))).toHaveLength(1);
  } finally {
    serve.child.kill('SIGTERM');
    await serve.done;
  }
});
