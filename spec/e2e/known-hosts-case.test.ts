// A host name with capitals outside A-Z (`BÜCHER.example`, reached here
// through a ProxyCommand) is filed in known_hosts as ssh files it,
// `bÜcher.example`: ssh lowers A-Z only. Lowered as Unicode, scpipe looked
// for `bücher.example`, and the hashed entry ssh had written (HashKnownHosts,
// Debian's default) was not found: the host was refused as unknown
// ("Host key for bücher.example is not known", exit 255). Nothing else is written.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { runCli } from '../helpers/cli';

const sshd = sshdPerSuite();

it('a host ssh recorded (hashed) under BÜCHER.example is known to scpipe by that name', async () => {
  const dir = await userDir(sshd.user, 'case');
  const known = join(dir, 'known_hosts');
  const script = join(dir, 'relay.js'); // stdio to the sshd, for ssh and scpipe alike
  await writeFile(script, `const s = require('net').connect(${sshd.port}, '127.0.0.1'); process.stdin.pipe(s); s.pipe(process.stdout);\n`);
  const relay = `${process.execPath} ${script}`;
  const options = (strict: string): string[] => ['-F', 'none', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${known}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', `StrictHostKeyChecking=${strict}`, '-o', 'HashKnownHosts=yes', '-o', `ProxyCommand=${relay}`, '-i', sshd.user.keyPath];
  const ssh = spawnSync('ssh', [...options('accept-new'), '-l', sshd.user.name, 'BÜCHER.example', 'true'], { encoding: 'utf8' });
  expect(ssh.status).toBe(0);
  expect((await readFile(known, 'utf8')).startsWith('|1|')).toBe(true);
  const r = await runCli(['put', ...options('yes'), `${sshd.user.name}@BÜCHER.example:${dir}/a`], { stdin: 'a' });
  expect(r).toMatchObject({ status: 0, stderr: '' });
  expect(await readFile(join(dir, 'a'), 'utf8')).toBe('a');
});
