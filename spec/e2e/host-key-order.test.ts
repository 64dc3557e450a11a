// A server with two host keys, known by one of them: ssh asks for the
// known type first (sshconnect2.c order_hostkeyalgs), so the host is simply
// known; scpipe must do the same, not meet it with its other key as a
// stranger (refused under BatchMode, or asked about on a terminal).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli } from '../helpers/cli';

const sshd = sshdPerSuite({ ecdsaHostKey: true });

it('known_hosts holds only the ECDSA key of a server that also has Ed25519: the ECDSA key is used', async () => {
  const dir = await userDir(sshd.rssh, 'order');
  const known = join(dir, 'known_hosts');
  await writeFile(known, `[127.0.0.1]:${sshd.port} ${sshd.ecdsaHostKey!}\n`);
  const args = (...extra: string[]) => ['put', '-P', String(sshd.port), '-i', sshd.rssh.keyPath, '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${known}`, ...extra];
  const r = await runCli([...args('-v'), remote(sshd, sshd.rssh, `${dir}/a`)], { stdin: 'a' });
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/host key ecdsa-sha2-nistp256/);
  // HostKeyAlgorithms given with + keeps that order too, as in ssh; an exact list is the user's.
  expect((await runCli([...args('-o', 'HostKeyAlgorithms=+ssh-rsa'), remote(sshd, sshd.rssh, `${dir}/b`)], { stdin: 'b' })).status).toBe(0);
  const exact = await runCli([...args('-o', 'HostKeyAlgorithms=ssh-ed25519,ecdsa-sha2-nistp256'), remote(sshd, sshd.rssh, `${dir}/c`)], { stdin: 'c' });
  // ssh too then meets the Ed25519 key, and takes the known ECDSA one as the host's: a changed key.
  expect(exact.status).toBe(255);
  expect(exact.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED for \[127\.0\.0\.1\]:\d+: it sent ssh-ed25519 key/);
});

// A host known only by a key of a type it no longer offers (a NAS whose
// Dropbear was rebuilt without RSA, or a man in the middle with keys of
// its own): ssh says REMOTE HOST IDENTIFICATION HAS CHANGED and stops,
// under accept-new too (hostfile.c: any other key known is a change).
// scpipe took it for a new host: refused under yes with an ssh-keyscan line
// to add the new key, and recorded and trusted under accept-new.
it('known_hosts holds only an RSA key, the server offers none: refused as changed, as ssh does, also under accept-new', async () => {
  const dir = await userDir(sshd.rssh, 'other-type');
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', join(dir, 'rsa')]);
  const known = join(dir, 'known_hosts');
  const entry = `[127.0.0.1]:${sshd.port} ${(await readFile(join(dir, 'rsa.pub'), 'utf8')).split(' ').slice(0, 2).join(' ')}\n`;
  await writeFile(known, entry);
  const opts = ['-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${known}`, '-o', 'GlobalKnownHostsFile=/dev/null'];
  for (const strict of ['yes', 'accept-new']) {
    const r = await runCli(['put', '-P', String(sshd.port), '-i', sshd.rssh.keyPath, ...opts, '-o', `StrictHostKeyChecking=${strict}`, remote(sshd, sshd.rssh, `${dir}/a`)], { stdin: 'a' });
    expect(r.status).toBe(255);
    expect(r.stderr).toContain(`REMOTE HOST IDENTIFICATION HAS CHANGED for [127.0.0.1]:${sshd.port}: it sent ssh-ed25519 key ${sshd.hostKeyFingerprint}, which differs from the key in ${known}:1`);
    const ssh = spawnSync('ssh', ['-F', '/dev/null', '-p', String(sshd.port), '-i', sshd.rssh.keyPath, ...opts, '-o', `StrictHostKeyChecking=${strict}`, `${sshd.rssh.name}@127.0.0.1`, 'true'], { encoding: 'utf8' });
    expect(ssh.status).toBe(255);
    expect(ssh.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
  }
  expect(await readFile(known, 'utf8')).toBe(entry);
  expect(existsSync(join(dir, 'a'))).toBe(false);
});
