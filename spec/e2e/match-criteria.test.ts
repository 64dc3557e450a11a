// A Match line's criteria count in their order, each one, as in ssh: the
// line matches only where every one does. scpipe kept one value per
// criterion, the last: `Match exec "false" exec "true"` matched, and its
// block (here, StrictHostKeyChecking no) was applied where ssh skips it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { runCli } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const homeDir = tempDirPerTest('scpipe-test-home-');

it('a Match line whose first exec fails is not applied though its second succeeds, as in ssh', async () => {
  const dir = await userDir(sshd.rssh, 'match');
  const known = join(dir, 'known_hosts');
  await writeFile(known, '');
  const config = join(dir, 'config');
  await writeFile(config, [
    'Host vault',
    '  HostName 127.0.0.1',
    `  Port ${sshd.port}`,
    `  User ${sshd.rssh.name}`,
    `  IdentityFile ${sshd.rssh.keyPath}`,
    `  UserKnownHostsFile ${known}`,
    '  BatchMode yes',
    'Match exec "false" exec "true"',
    '  StrictHostKeyChecking no',
    'Host *',
    '  StrictHostKeyChecking yes',
    '',
  ].join('\n'), { mode: 0o600 });
  const r = await runCli(['put', '-F', config, `vault:${dir}/a`], { stdin: 'a' });
  expect(r.status).toBe(255);
  expect(r.stderr).toContain(`Host key for [127.0.0.1]:${sshd.port} is not known and you have requested strict checking`);
  expect(existsSync(join(dir, 'a'))).toBe(false);
  expect(await readFile(known, 'utf8')).toBe('');
  // OpenSSH on the same file: the same refusal, nothing recorded.
  const ssh = spawnSync('ssh', ['-F', config, 'vault', 'true'], { encoding: 'utf8' });
  expect(ssh.status).toBe(255);
  expect(ssh.stderr).toContain('Host key verification failed');
  expect(await readFile(known, 'utf8')).toBe('');
});

// `Match localnetwork` (OpenSSH 9.4) and the like: neither applying nor
// skipping the block is safe, so the run stops, naming the included file.
it('a Match criterion it cannot evaluate stops the run, naming the file, before anything is sent', async () => {
  const home = homeDir();
  const dir = await userDir(sshd.rssh, 'match-unknown');
  const known = join(dir, 'known_hosts');
  await writeFile(known, '');
  await mkdir(join(home, '.ssh', 'conf.d'), { recursive: true, mode: 0o700 });
  const included = join(home, '.ssh', 'conf.d', 'office.conf');
  await writeFile(included, 'Match localnetwork 10.0.0.0/8\n  StrictHostKeyChecking no\n', { mode: 0o600 });
  await writeFile(join(home, '.ssh', 'config'), 'Include conf.d/*.conf\n', { mode: 0o600 });
  const opts = ['-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${known}`, '-P', String(sshd.port), '-i', sshd.rssh.keyPath];
  const r = await runCli(['put', ...opts, `${sshd.rssh.name}@127.0.0.1:${dir}/a`], { stdin: 'a', env: { HOME: home } });
  expect(r.status).toBe(255);
  expect(r.stderr).toBe(`scpipe: ${included}: unsupported Match criterion "localnetwork": the built-in ssh2 transport cannot evaluate it, so it neither applies nor skips that block; use --transport openssh, whose ssh evaluates it\n`);
  expect(existsSync(join(dir, 'a'))).toBe(false);
  expect(await readFile(known, 'utf8')).toBe('');
});
