// SCPIPE_PASSWORD is the destination's password. A ProxyJump host that asks
// for a password is another machine (a bastion, often someone else's): it
// was sent SCPIPE_PASSWORD too, so whoever ran it learnt the destination's
// password. It is now asked on the terminal only, as ssh asks each hop.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { userDir, withPassword } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
const jump = sshdPerSuite({ jumpHost: true });

it('a jump host that asks for a password is not sent SCPIPE_PASSWORD: refused (exit 255), saying why', async () => {
  const dir = await userDir(sshd.rssh, 'jump-pw');
  const cfg = join(dir, 'ssh_config');
  await writeFile(cfg, [
    'Host jumphost',
    '  HostName 127.0.0.1',
    `  Port ${jump.port}`,
    `  User ${jump.user.name}`,
    '  PubkeyAuthentication no',
    `  UserKnownHostsFile ${jump.knownHostsPath}`,
    'Host *',
    `  UserKnownHostsFile ${sshd.knownHostsPath}`,
    '  GlobalKnownHostsFile /dev/null',
    '  IdentityAgent none',
    '  BatchMode yes',
    '',
  ].join('\n'));
  await withPassword(jump.user, async (password) => {
    const r = await runCli(['put', '-F', cfg, '-J', 'jumphost', '-P', String(sshd.port), '-i', sshd.rssh.keyPath, `${sshd.rssh.name}@127.0.0.1:${dir}/a`],
      { stdin: 'data', env: { SCPIPE_PASSWORD: password } });
    expect(r.stderr).toContain(`${jump.user.name}@127.0.0.1: Permission denied`);
    expect(r.stderr).toContain('not offered: password (BatchMode forbids asking for it, and SCPIPE_PASSWORD is for the destination, never sent to a ProxyJump host)');
    expect(r.status).toBe(255);
  });
  expect(existsSync(join(dir, 'a'))).toBe(false);
});
