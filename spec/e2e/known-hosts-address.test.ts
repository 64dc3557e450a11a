// An address typed in another spelling (`[0:0::1]`, `127.1`) names the same
// host in known_hosts as its canonical form, as ssh canonicalises it. scpipe
// looked `[0:0::1]:PORT` up as a stranger: accept-new then recorded the key
// of a server whose known key under `[::1]:PORT` was a different one.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasIpv6Loopback, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { runCli } from '../helpers/cli';

const sshd = sshdPerSuite();

async function hostKey(): Promise<string> {
  const line = (await readFile(sshd.knownHostsPath, 'utf8')).split('\n').find((l) => l.startsWith(`[127.0.0.1]:${sshd.port} `))!;
  return line.split(' ').slice(1, 3).join(' ');
}

function options(known: string, strict: string): string[] {
  return ['-F', 'none', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${known}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', `StrictHostKeyChecking=${strict}`, '-P', String(sshd.port), '-i', sshd.rssh.keyPath];
}

function ssh(known: string, strict: string, host: string) {
  const args = options(known, strict).map((a) => (a === '-P' ? '-p' : a));
  return spawnSync('ssh', [...args, '-l', sshd.rssh.name, host, 'true'], { encoding: 'utf8' });
}

it('[0:0::1] is [::1]: a different key known for [::1]:PORT is a changed key under accept-new, not a new one', async () => {
  if (!hasIpv6Loopback()) throw new Error('this test needs IPv6 loopback (::1 on lo), where the test sshd listens too');
  const dir = await userDir(sshd.rssh, 'addr6');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
  const known = join(dir, 'known_hosts');
  const entry = `[::1]:${sshd.port} ${(await readFile(join(dir, 'other.pub'), 'utf8')).split(' ').slice(0, 2).join(' ')}\n`;
  await writeFile(known, entry);
  const r = await runCli(['put', ...options(known, 'accept-new'), `${sshd.rssh.name}@[0:0::1]:${dir}/a`], { stdin: 'a' });
  expect(r.status).toBe(255);
  expect(r.stderr).toContain(`REMOTE HOST IDENTIFICATION HAS CHANGED for [::1]:${sshd.port}:`);
  expect(r.stderr).toContain(`differs from the key in ${known}:1`);
  expect(existsSync(join(dir, 'a'))).toBe(false);
  expect(await readFile(known, 'utf8')).toBe(entry);
  // OpenSSH's answer on the same file.
  const s = ssh(known, 'accept-new', '0:0::1');
  expect(s.status).toBe(255);
  expect(s.stderr).toContain(`Host key for [::1]:${sshd.port} has changed`);
  expect(await readFile(known, 'utf8')).toBe(entry);
});

it('127.1 is 127.0.0.1: its hashed known_hosts entry is found, as ssh finds it', async () => {
  const dir = await userDir(sshd.rssh, 'addr4');
  const known = join(dir, 'known_hosts');
  await writeFile(known, `[127.0.0.1]:${sshd.port} ${await hostKey()}\n`);
  execFileSync('ssh-keygen', ['-q', '-H', '-f', known], { stdio: 'ignore' });
  const hashed = await readFile(known, 'utf8');
  expect(hashed).toMatch(/^\|1\|/);
  const r = await runCli(['put', ...options(known, 'yes'), `${sshd.rssh.name}@127.1:${dir}/a`], { stdin: 'a' });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(await readFile(join(dir, 'a'), 'utf8')).toBe('a');
  expect(await readFile(known, 'utf8')).toBe(hashed);
  expect(ssh(known, 'yes', '127.1').status).toBe(1); // the scp-only account refuses `true`: ssh got past the host key
});
