// SCPIPE_PASSWORD is the destination's password. A ProxyJump host that asks
// for a password is another machine (a bastion, often someone else's): it
// was sent SCPIPE_PASSWORD too, so whoever ran it learnt the destination's
// password. It is now asked on the terminal only, as ssh asks each hop.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, runCli } from '../helpers/cli';
import { dropConnections } from '../helpers/drop-connections';
import { userDir, withPassword } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempWithBytes } from '../helpers/upload-temp';

const sshd = sshdPerSuite();
const jump = sshdPerSuite({ jumpHost: true });

// An ssh_config in `dir` whose `jumphost` logs in by password only; `more` is added for every host.
async function jumpConfig(dir: string, more: string[] = []): Promise<string> {
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
    ...more,
    '',
  ].join('\n'));
  return cfg;
}

it('a jump host that asks for a password is not sent SCPIPE_PASSWORD: refused (exit 255), saying why', async () => {
  const dir = await userDir(sshd.rssh, 'jump-pw');
  const cfg = await jumpConfig(dir, ['  BatchMode yes']);
  await withPassword(jump.user, async (password) => {
    const r = await runCli(['put', '-F', cfg, '-J', 'jumphost', '-P', String(sshd.port), '-i', sshd.rssh.keyPath, `${sshd.rssh.name}@127.0.0.1:${dir}/a`],
      { stdin: 'data', env: { SCPIPE_PASSWORD: password } });
    expect(r.stderr).toContain(`${jump.user.name}@127.0.0.1: Permission denied`);
    expect(r.stderr).toContain('not offered: password (BatchMode forbids asking for it, and SCPIPE_PASSWORD is for the destination, never sent to a ProxyJump host)');
    expect(r.status).toBe(255);
  });
  expect(existsSync(join(dir, 'a'))).toBe(false);
});

// The jump host's password, typed once on the terminal, is kept for the
// run's reconnections as the destination's is: a retry after the link
// through it dropped asked for it again, and an unattended run waited at
// the prompt. User sees one prompt and one retry line, exit 0; left: the file.
it("a reconnection through a jump host does not ask for the jump host's typed password again", async () => {
  const dir = await userDir(sshd.user, 'jump-pw-again');
  const cfg = await jumpConfig(dir);
  await withPassword(jump.user, async (password) => {
    const args = ['put', '-s', '-F', cfg, '-J', 'jumphost', '-P', String(sshd.port), '-i', sshd.user.keyPath, `${sshd.user.name}@127.0.0.1:${dir}/again.bin`];
    // The stream's end waits for the drop (bounded), however long the logins took.
    const go = join(dir, 'go');
    const held = `i=0; while [ ! -e '${go}' ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done`;
    const cmd = `(head -c 1048576 /dev/zero; ${held}; printf tail) | ${[process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ')}`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
    let out = '';
    let prompts = 0;
    const onOutput = (d: Buffer): void => {
      out += d.toString();
      const asked = out.split("'s password:").length - 1;
      for (; prompts < asked; prompts++) if (prompts === 0) child.stdin.write(`${password}\r`);
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      // Bytes written, not just the file: a loss while the OPEN is answered is not retried.
      await tempWithBytes(dir, 'again.bin', 30_000);
      expect(await dropConnections(jump)).toBeGreaterThan(0);
      await writeFile(go, '');
      const status = await closed;
      expect(out).toContain('retry 1 of 5');
      expect(prompts).toBe(1);
      expect(status).toBe(0);
    } finally {
      clearTimeout(timer);
      child.kill('SIGKILL');
    }
  });
  expect((await readFile(join(dir, 'again.bin'))).length).toBe(1048576 + 4);
}, 90_000);

