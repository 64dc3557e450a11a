// Password logins against OpenSSH's sshd, as ssh users expect them: from
// SCPIPE_PASSWORD (never argv), or typed at a prompt on the terminal while
// stdin carries the data.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CLI, runCli } from '../helpers/cli';
import { userDir, withPassword } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections } from '../helpers/drop-connections';
import { tempWithBytes } from '../helpers/upload-temp';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
let dir: string;
beforeEach(async () => {
  dir = await userDir(sshd.user, 'pw');
});

// No keys at all: -F none, a HOME without ~/.ssh, no agent (spec/helpers/cli.ts).
const flags = (): string[] => ['-F', 'none', '-P', String(sshd.port), '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`];
const target = (name: string): string => `${sshd.user.name}@127.0.0.1:${dir}/${name}`;

describe('password authentication against OpenSSH sshd', () => {
  it('uses SCPIPE_PASSWORD', async () => {
    await withPassword(sshd.user, async (password) => {
      const r = await runCli(['put', ...flags(), target('env.txt')], { stdin: 'from env', env: { SCPIPE_PASSWORD: password } });
      expect(r).toMatchObject({ status: 0, stderr: '' });
    });
    expect(await readFile(join(dir, 'env.txt'), 'utf8')).toBe('from env');
  });

  it('a wrong SCPIPE_PASSWORD: exit 255, Permission denied', async () => {
    await withPassword(sshd.user, async () => {
      const r = await runCli(['put', ...flags(), target('no.txt')], { stdin: 'x', env: { SCPIPE_PASSWORD: 'wrong' } });
      expect(r.status).toBe(255);
      expect(r.stderr).toMatch(/Permission denied/);
    });
  });

  it('without a terminal (cron), the refusal says no password was asked for and SCPIPE_PASSWORD is not set', () => {
    // It said only "tried none; the server accepts publickey,password". setsid: no controlling terminal.
    const { SSH_AUTH_SOCK: _agent, SCPIPE_PASSWORD: _pw, ...env } = process.env;
    const r = spawnSync('setsid', ['-w', process.execPath, CLI, 'put', ...flags(), target('cron.txt')], {
      input: 'x', encoding: 'utf8', timeout: 30000, env: { ...env, HOME: process.env.SCPIPE_TEST_HOME },
    });
    expect(r.stderr).toBe(
      `scpipe: ${sshd.user.name}@127.0.0.1: Permission denied (tried none; the server accepts publickey,password); ` +
        'not offered: password (none: no answer from a terminal, and SCPIPE_PASSWORD is not set)\n',
    );
    expect(r.status).toBe(255);
  });

  it('asks on the terminal, not on stdin, which carries the data', async () => {
    await withPassword(sshd.user, async (password) => {
      // script(1) gives the CLI a terminal; the data still comes through a pipe.
      const cmd = `printf 'typed' | ${[process.execPath, CLI, 'put', ...flags(), target('tty.txt')].map((a) => `'${a}'`).join(' ')}`;
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
      let out = '';
      let answered = false;
      const onOutput = (d: Buffer): void => {
        out += d.toString();
        if (!answered && /password/i.test(out)) {
          answered = true;
          child.stdin.write(`${password}\r`);
        }
      };
      child.stdout.on('data', onOutput);
      child.stderr.on('data', onOutput);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
      const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
      clearTimeout(timer);
      expect(answered).toBe(true);
      expect(out).not.toContain(password); // not echoed
      expect(status).toBe(0);
    });
    expect(await readFile(join(dir, 'tty.txt'), 'utf8')).toBe('typed');
  });

  // A reconnection after a lost connection (--retries) asked for the password
  // or the key's passphrase again and waited at the prompt: an unattended run
  // (in tmux, at night) then stood still. What was typed once is kept for the run's logins.
  async function typedOnceThenCut(args: string[], question: string, answer: string, name: string): Promise<void> {
    // The stream's end waits for the drop (bounded), however long the login took.
    const go = join(await mkdtemp(join(tmpdir(), 'scpipe-test-go-')), 'go');
    const held = `i=0; while [ ! -e '${go}' ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done`;
    const cmd = `(head -c 1048576 /dev/zero; ${held}; printf tail) | ${[process.execPath, CLI, 'put', '-s', ...args, target(name)].map((a) => `'${a}'`).join(' ')}`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
    let out = '';
    let prompts = 0;
    const onOutput = (d: Buffer): void => {
      out += d.toString();
      const asked = out.split(question).length - 1;
      for (; prompts < asked; prompts++) if (prompts === 0) child.stdin.write(`${answer}\r`);
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    // Bytes written, not just the file: a loss while the OPEN is answered is not retried.
    await tempWithBytes(dir, name);
    await dropConnections(sshd);
    await writeFile(go, '');
    const status = await closed;
    clearTimeout(timer);
    await rm(dirname(go), { recursive: true });
    expect(out).toContain('retry 1 of 5');
    expect(prompts).toBe(1);
    expect(status).toBe(0);
    expect((await readFile(join(dir, name))).length).toBe(1048576 + 4);
  }

  it('a reconnection does not ask for the typed password again', async () => {
    await withPassword(sshd.user, (password) => typedOnceThenCut(flags(), "'s password:", password, 'again.bin'));
  });

  it("a reconnection does not ask for the key's passphrase again", async () => {
    const key = join(dir, 'locked');
    execFileSync('ssh-keygen', ['-q', '-N', 'secret words', '-t', 'ed25519', '-f', key]);
    const keys = join(sshd.dir, 'authorized_keys', sshd.user.name);
    const saved = await readFile(keys);
    await writeFile(keys, Buffer.concat([saved, await readFile(`${key}.pub`)]));
    try {
      await typedOnceThenCut([...flags(), '-i', key], 'Enter passphrase for key', 'secret words', 'key.bin');
    } finally {
      await writeFile(keys, saved);
    }
  });

  it('sends no password to a host whose key changed, even with StrictHostKeyChecking=no (as ssh)', async () => {
    // A known_hosts that lists another key of the server's type for it.
    const [name, type] = (await readFile(sshd.knownHostsPath, 'utf8')).trim().split(' ');
    const keyFile = join(dir, 'other-key');
    execFileSync('ssh-keygen', ['-q', '-N', '', '-t', type === 'ssh-ed25519' ? 'ed25519' : 'ecdsa', '-f', keyFile]);
    const other = (await readFile(`${keyFile}.pub`, 'utf8')).split(' ')[1];
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `${name} ${type} ${other}\n`);
    await withPassword(sshd.user, async (password) => {
      const args = ['put', '-F', 'none', '-P', String(sshd.port), '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=no', target('changed.txt')];
      const r = await runCli(args, { stdin: 'x', env: { SCPIPE_PASSWORD: password } });
      expect(r.status).toBe(255);
      // Without -v too: ssh shows it on every such connection.
      expect(r.stderr).toContain('@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @');
      expect(r.stderr).toContain(`Offending ${type === 'ssh-ed25519' ? 'ED25519' : 'ECDSA'} key in ${knownHosts}:1`); // ssh's name of the type
      expect(r.stderr).toContain('Password authentication is disabled to avoid man-in-the-middle attacks.');
    });
    await expect(access(join(dir, 'changed.txt'))).rejects.toThrow();
  });
});

// The harness: this file and jump-password.test.ts set a password on the
// same account, and jest's parallel workers (more than two cores) run them
// at once; one's password or reset failed the other's login.
describe('withPassword', () => {
  it('sets one password at a time: a second waits until the first is done', async () => {
    const order: string[] = [];
    const first = withPassword(sshd.user, async () => {
      order.push('first');
      // Unheld, the second comes in as soon as its chpasswd is done.
      await waitFor(() => order.includes('second'), 'the second, which must wait', 3_000).catch(() => undefined);
      order.push('first done');
    });
    const second = withPassword(sshd.user, async () => void order.push('second'));
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'first done', 'second']);
  });
});
