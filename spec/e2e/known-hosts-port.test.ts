// A server on another port than 22 is filed in known_hosts as [host]:port.
// Where no entry names it so, ssh also takes an entry for the bare host (its
// port-22 name) whose key is the very key the server sent ("checking without
// port identifier"): a host recorded on 22 and reached on another port
// connects. scpipe refused it as unknown. A different key under the bare
// name proves nothing: the host stays unknown, as in ssh.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli } from '../helpers/cli';

const sshd = sshdPerSuite();

async function hostKeyLine(): Promise<string> {
  const line = (await readFile(sshd.knownHostsPath, 'utf8')).split('\n').find((l) => l.startsWith(`[127.0.0.1]:${sshd.port} `))!;
  return line.split(' ').slice(1, 3).join(' ');
}

async function attempt(known: string, dir: string) {
  const opts = ['-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${known}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes'];
  const r = await runCli(['put', '-P', String(sshd.port), '-i', sshd.rssh.keyPath, ...opts, remote(sshd, sshd.rssh, `${dir}/a`)], { stdin: 'a' });
  const ssh = spawnSync('ssh', ['-F', '/dev/null', '-p', String(sshd.port), '-i', sshd.rssh.keyPath, ...opts, `${sshd.rssh.name}@127.0.0.1`, 'true'], { encoding: 'utf8' });
  return { r, ssh };
}

it('known_hosts holds the key under the bare host name only: the server on another port is known, as ssh finds it', async () => {
  const dir = await userDir(sshd.rssh, 'portless');
  const known = join(dir, 'known_hosts');
  await writeFile(known, `127.0.0.1 ${await hostKeyLine()}\n`);
  const { r, ssh } = await attempt(known, dir);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(existsSync(join(dir, 'a'))).toBe(true);
  expect(ssh.status).toBe(1); // the scp-only account refuses `true`: ssh got past the host key
});

it('another key under the bare host name: unknown, refused under StrictHostKeyChecking=yes, as ssh refuses it', async () => {
  const dir = await userDir(sshd.rssh, 'portless-other');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
  const known = join(dir, 'known_hosts');
  const entry = `127.0.0.1 ${(await readFile(join(dir, 'other.pub'), 'utf8')).split(' ').slice(0, 2).join(' ')}\n`;
  await writeFile(known, entry);
  const { r, ssh } = await attempt(known, dir);
  expect(r.status).toBe(255);
  expect(r.stderr).toContain(`Host key for [127.0.0.1]:${sshd.port} is not known and you have requested strict checking`);
  expect(existsSync(join(dir, 'a'))).toBe(false);
  expect(ssh.status).toBe(255);
  expect(ssh.stderr).toContain('Host key verification failed');
  expect(await readFile(known, 'utf8')).toBe(entry);
});
