// `~name/…` in a file name of ssh_config is the home of user `name`, as ssh
// expands it. scpipe took it as a path below the current directory: a
// known_hosts file planted there (`./~scpipe-user/.ssh/…`) was trusted.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { runCli } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const cwdDir = tempDirPerTest('scpipe-test-cwd-');
// A file that no account's home holds: its user's real home is read, and has none.
const knownIn = (user: string): string => `~${user}/.ssh/scpipe-test-no-such-known-hosts`;

it('UserKnownHostsFile ~user/… is read in that user\'s home, not below the current directory', async () => {
  const cwd = cwdDir();
  const known = knownIn(sshd.user.name);
  const planted = join(cwd, known);
  await mkdir(join(planted, '..'), { recursive: true });
  await writeFile(planted, await readFile(sshd.knownHostsPath, 'utf8'));
  const dir = await userDir(sshd.rssh, 'tilde');
  const opts = ['-F', 'none', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${known}`, '-o', 'GlobalKnownHostsFile=/dev/null'];
  const r = await runCli(['put', ...opts, '-P', String(sshd.port), '-i', sshd.rssh.keyPath, `${sshd.rssh.name}@127.0.0.1:${dir}/a`], { stdin: 'a', cwd });
  expect(r.status).toBe(255);
  expect(r.stderr).toContain(`Host key for [127.0.0.1]:${sshd.port} is not known and you have requested strict checking`);
  expect(r.stderr).toContain(`>> /home/${sshd.user.name}/.ssh/scpipe-test-no-such-known-hosts`);
  expect(existsSync(join(dir, 'a'))).toBe(false);
  // OpenSSH, from the same directory: the same refusal.
  const ssh = spawnSync('ssh', [...opts, '-p', String(sshd.port), '-i', sshd.rssh.keyPath, `${sshd.rssh.name}@127.0.0.1`, 'true'], { encoding: 'utf8', cwd });
  expect(ssh.status).toBe(255);
  expect(ssh.stderr).toContain('Host key verification failed');
});

it('~user of no such user stops the run (exit 255), as in ssh', async () => {
  const dir = await userDir(sshd.rssh, 'tilde-none');
  const r = await runCli(['put', '-F', 'none', '-o', 'UserKnownHostsFile=~scpipe-no-such-user/known_hosts', '-P', String(sshd.port), '-i', sshd.rssh.keyPath, `${sshd.rssh.name}@127.0.0.1:${dir}/a`], { stdin: 'a', cwd: cwdDir() });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 255, stderr: 'scpipe: UserKnownHostsFile: ~scpipe-no-such-user: no such user\n' });
  expect(existsSync(join(dir, 'a'))).toBe(false);
});
