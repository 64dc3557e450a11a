// UserKnownHostsFile none leaves ssh no file to record a new host key in:
// it then refuses an unknown key under every StrictHostKeyChecking, and
// trusts only what the global files hold. scpipe took the unknown key on
// trust under accept-new and no, and copied.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli } from '../helpers/cli';

const sshd = sshdPerSuite();

const put = (global: string, strict: string, to: string) =>
  runCli(['put', '-P', String(sshd.port), '-i', sshd.rssh.keyPath, '-o', 'BatchMode=yes', '-o', 'UserKnownHostsFile=none',
    '-o', `GlobalKnownHostsFile=${global}`, '-o', `StrictHostKeyChecking=${strict}`, remote(sshd, sshd.rssh, to)], { stdin: 'data' });
const ssh = (global: string, strict: string) =>
  spawnSync('ssh', ['-F', '/dev/null', '-p', String(sshd.port), '-i', sshd.rssh.keyPath, '-o', 'BatchMode=yes', '-o', 'UserKnownHostsFile=none',
    '-o', `GlobalKnownHostsFile=${global}`, '-o', `StrictHostKeyChecking=${strict}`, `${sshd.rssh.name}@127.0.0.1`, 'true'], { encoding: 'utf8' });

it.each(['accept-new', 'no'])('UserKnownHostsFile none, an unknown key, StrictHostKeyChecking=%s: refused (exit 255), as ssh refuses it', async (strict) => {
  const dir = await userDir(sshd.rssh, `none-${strict}`);
  const r = await put('/dev/null', strict, `${dir}/a`);
  expect(r.status).toBe(255);
  expect(r.stderr).toContain(`Host key verification failed: ssh-ed25519 key ${sshd.hostKeyFingerprint} for [127.0.0.1]:${sshd.port} is not known, and UserKnownHostsFile is none`);
  expect(existsSync(join(dir, 'a'))).toBe(false);
  const theirs = ssh('/dev/null', strict);
  expect(theirs.status).toBe(255);
  expect(theirs.stderr).toContain('Host key verification failed');
});

it('UserKnownHostsFile none, the key in GlobalKnownHostsFile: copied, as ssh connects', async () => {
  const dir = await userDir(sshd.rssh, 'none-global');
  const r = await put(sshd.knownHostsPath, 'accept-new', `${dir}/a`);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(existsSync(join(dir, 'a'))).toBe(true);
  // The scp-only account refuses `true` (exit 1): ssh got past the host key.
  expect(ssh(sshd.knownHostsPath, 'accept-new').status).toBe(1);
});
