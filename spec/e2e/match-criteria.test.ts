// A Match line's criteria count in their order, each one, as in ssh: the
// line matches only where every one does. scpipe kept one value per
// criterion, the last: `Match exec "false" exec "true"` matched, and its
// block (here, StrictHostKeyChecking no) was applied where ssh skips it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { runCli } from '../helpers/cli';

const sshd = sshdPerSuite();

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
