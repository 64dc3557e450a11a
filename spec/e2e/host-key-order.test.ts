// A server with two host keys, known by one of them: ssh asks for the
// known type first (sshconnect2.c order_hostkeyalgs), so the host is simply
// known; scpipe must do the same, not meet it with its other key as a
// stranger (refused under BatchMode, or asked about on a terminal).
import { writeFile } from 'node:fs/promises';
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
  expect(exact.status).toBe(255);
  expect(exact.stderr).toMatch(/Host key for \[127\.0\.0\.1\]:\d+ is not known/);
});
