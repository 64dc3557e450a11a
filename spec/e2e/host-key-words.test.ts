// The lines scpipe repeats from ssh name a key type as ssh does (ED25519,
// not ssh-ed25519): "Permanently added … (ED25519)", and the changed-key
// banner's "The fingerprint for the ED25519 key" and "Offending ED25519 key
// in FILE:LINE". Each is checked against what ssh itself prints here.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { runCli } from '../helpers/cli';

const sshd = sshdPerSuite();

function options(known: string, strict: string): string[] {
  return ['-F', 'none', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${known}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', `StrictHostKeyChecking=${strict}`, '-i', sshd.rssh.keyPath];
}

function sshLines(known: string, strict: string): string[] {
  const ssh = spawnSync('ssh', [...options(known, strict), '-p', String(sshd.port), `${sshd.rssh.name}@127.0.0.1`, 'true'], { encoding: 'utf8' });
  return ssh.stderr.split(/\r?\n/);
}

it('"Permanently added" names the key type as ssh does', async () => {
  const dir = await userDir(sshd.rssh, 'words-added');
  const known = join(dir, 'known_hosts');
  const line = `Warning: Permanently added '[127.0.0.1]:${sshd.port}' (ED25519) to the list of known hosts.`;
  expect(sshLines(known, 'accept-new')).toContain(line);
  await writeFile(known, '');
  const r = await runCli(['put', ...options(known, 'accept-new'), '-P', String(sshd.port), `${sshd.rssh.name}@127.0.0.1:${dir}/a`], { stdin: 'a' });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: `${line}\n` });
  expect(await readFile(join(dir, 'a'), 'utf8')).toBe('a');
});

it('the changed-key banner under StrictHostKeyChecking=no names the key type and the line to fix as ssh does', async () => {
  const dir = await userDir(sshd.rssh, 'words-changed');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
  const known = join(dir, 'known_hosts');
  const entry = `[127.0.0.1]:${sshd.port} ${(await readFile(join(dir, 'other.pub'), 'utf8')).split(' ').slice(0, 2).join(' ')}\n`;
  await writeFile(known, entry);
  const theirs = sshLines(known, 'no');
  const ours = (await runCli(['put', ...options(known, 'no'), '-P', String(sshd.port), `${sshd.rssh.name}@127.0.0.1:${dir}/a`], { stdin: 'a' }));
  expect(ours.status).toBe(0);
  const lines = ours.stderr.split('\n');
  for (const line of ['The fingerprint for the ED25519 key sent by the remote host is', `Offending ED25519 key in ${known}:1`, `Add correct host key in ${known} to get rid of this message.`]) {
    expect(theirs).toContain(line);
    expect(lines).toContain(line);
  }
  expect(await readFile(known, 'utf8')).toBe(entry);
});
