// StrictHostKeyChecking=ask (the default) against the test sshd: on a
// terminal (script(1)) the question goes to /dev/tty while the data comes
// through stdin; without one the run is refused with how to add the key.
import { spawn, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, runCli, shellQuote } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-ask-');
let dir: string;
beforeEach(async () => {
  dir = await userDir(sshd.user, 'ask');
});

// Key login, a known_hosts that does not know the server, StrictHostKeyChecking left at ask.
const args = (knownHosts: string, name: string): string[] => [
  'put', '-F', 'none', '-P', String(sshd.port), '-i', sshd.user.keyPath, '-o', `UserKnownHostsFile=${knownHosts}`,
  `${sshd.user.name}@127.0.0.1:${dir}/${name}`,
];

// Runs `printf data | scpipe …` on a terminal and types `answer` once the question shows.
function onTerminal(cliArgs: string[], answer: string): Promise<{ status: number | null; out: string }> {
  const cmd = `printf 'typed' | ${shellQuote([process.execPath, CLI, ...cliArgs])}`;
  const { SSH_AUTH_SOCK: _agent, ...env } = process.env;
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...env, HOME: process.env.SCPIPE_TEST_HOME } });
  let out = '';
  let answered = false;
  const onOutput = (d: Buffer): void => {
    out += d.toString();
    if (!answered && /\(yes\/no\/\[fingerprint\]\)\? $/.test(out)) {
      answered = true;
      child.stdin.write(`${answer}\r`);
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
  return new Promise((resolve) =>
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    }),
  );
}

describe('StrictHostKeyChecking=ask', () => {
  it('asks on the terminal with the fingerprint; yes adds the key, and the data still comes from stdin', async () => {
    const knownHosts = join(local(), 'known_hosts');
    const r = await onTerminal(args(knownHosts, 'yes.txt'), 'yes');
    expect(r.out).toContain(`The authenticity of host '[127.0.0.1]:${sshd.port}' can't be established.`);
    expect(r.out).toMatch(/key fingerprint is SHA256:/);
    expect(r.out).toContain(`Warning: Permanently added '[127.0.0.1]:${sshd.port}'`);
    expect(r.status).toBe(0);
    expect(await readFile(join(dir, 'yes.txt'), 'utf8')).toBe('typed');
    expect(await readFile(knownHosts, 'utf8')).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} `));
  });

  it('takes the fingerprint pasted instead of yes', async () => {
    const knownHosts = join(local(), 'known_hosts');
    const fp = /SHA256:\S+/.exec((await runCli([...args(join(local(), 'none'), 'x'), '-o', 'BatchMode=yes'], { stdin: '' })).stderr)![0].replace(/\.$/, '');
    const r = await onTerminal(args(knownHosts, 'fp.txt'), fp);
    expect(r.status).toBe(0);
    expect(existsSync(knownHosts)).toBe(true);
  });

  // Enter alone is no, as in ssh's confirm(): not a question asked again.
  it.each([['no', 'no'], ['Enter alone', '']])('%s refuses: exit 255, nothing written, nothing recorded', async (_what, answer) => {
    const knownHosts = join(local(), 'known_hosts');
    const r = await onTerminal(args(knownHosts, 'no.txt'), answer);
    expect(r.out).not.toContain('Please type');
    expect(r.status).toBe(255);
    expect(r.out).toContain('Host key verification failed');
    expect(existsSync(join(dir, 'no.txt'))).toBe(false);
    expect(existsSync(knownHosts)).toBe(false);
  });

  it('Ctrl-C at the question is an interrupt: exit 130 as ssh, nothing written, nothing recorded', async () => {
    const knownHosts = join(local(), 'known_hosts');
    const r = await onTerminal(args(knownHosts, 'intr.txt'), '\x03');
    expect(r.out).toContain('interrupted by SIGINT');
    expect(r.status).toBe(130);
    expect(existsSync(join(dir, 'intr.txt'))).toBe(false);
    expect(existsSync(knownHosts)).toBe(false);
  });

  it('Ctrl-C at the question of one of two targets stops the run, as the terminal\'s Ctrl-C would: exit 130', async () => {
    const knownHosts = join(local(), 'known_hosts');
    const two = [...args(knownHosts, 'one.txt'), `${sshd.user.name}@127.0.0.1:${dir}/two.txt`];
    const r = await onTerminal(two, '\x03');
    expect(r.status).toBe(130);
    expect(existsSync(join(dir, 'one.txt'))).toBe(false);
    expect(existsSync(join(dir, 'two.txt'))).toBe(false);
  });

  it('two targets ask one at a time: the second question shows once the first is answered, with no progress line drawn over it', async () => {
    const knownHosts = join(local(), 'known_hosts');
    // Two names for the server (HostKeyAlias), so that each has a question of its own.
    const config = join(local(), 'config');
    const block = (alias: string): string =>
      `Host ${alias}\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user.name}\n  IdentityFile ${sshd.user.keyPath}\n  UserKnownHostsFile ${knownHosts}\n  HostKeyAlias ${alias}\n`;
    await writeFile(config, block('first') + block('second'));
    const two = ['put', '-F', config, `first:${dir}/a.txt`, `second:${dir}/b.txt`];
    const cmd = `printf 'typed' | ${shellQuote([process.execPath, CLI, ...two])}`;
    const { SSH_AUTH_SOCK: _agent, ...env } = process.env;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...env, HOME: process.env.SCPIPE_TEST_HOME } });
    let out = '';
    const asked = (): number => out.split('(yes/no/[fingerprint])? ').length - 1;
    const shownAtAnswer: number[] = [];
    const afterQuestion: string[] = []; // what the terminal showed after each question, when it was answered
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    const done = new Promise<number | null>((resolve) => child.once('close', (status) => resolve(status)));
    for (let n = 1; n <= 2; n += 1) {
      await waitFor(() => asked() >= n, `question ${n}`, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 500)); // time for a second question to show, were both asked at once
      shownAtAnswer.push(asked());
      afterQuestion.push(out.slice(out.lastIndexOf('(yes/no/[fingerprint])? ')));
      child.stdin.write('yes\r');
    }
    const status = await done;
    clearTimeout(timer);
    expect(shownAtAnswer).toEqual([1, 2]);
    // The first target's progress line ("read 5 B …") is not drawn over the open question.
    expect(afterQuestion[1]).not.toContain('read ');
    expect(status).toBe(0);
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('typed');
    expect(await readFile(join(dir, 'b.txt'), 'utf8')).toBe('typed');
  });

  // Two targets on one host meet the same key: it was asked twice, and
  // added to known_hosts twice. User sees: one question; left: both files
  // stored, one known_hosts line.
  it('two targets on one host: one question for its key, one line in known_hosts', async () => {
    const knownHosts = join(local(), 'known_hosts');
    const two = [...args(knownHosts, 'same1.txt'), `${sshd.user.name}@127.0.0.1:${dir}/same2.txt`];
    const r = await onTerminal(two, 'yes');
    expect(r.status).toBe(0);
    expect(r.out.split('(yes/no/[fingerprint])? ').length - 1).toBe(1);
    expect(await readFile(join(dir, 'same1.txt'), 'utf8')).toBe('typed');
    expect(await readFile(join(dir, 'same2.txt'), 'utf8')).toBe('typed');
    expect((await readFile(knownHosts, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('SIGTERM at the question ends its line first: the message is on a line of its own, exit 143', async () => {
    const knownHosts = join(local(), 'known_hosts');
    const cmd = `printf 'typed' | ${shellQuote([process.execPath, CLI, ...args(knownHosts, 'term.txt')])}`;
    const { SSH_AUTH_SOCK: _agent, ...env } = process.env;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...env, HOME: process.env.SCPIPE_TEST_HOME } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    const done = new Promise<number | null>((resolve) => child.once('close', (status) => resolve(status)));
    await waitFor(() => out.endsWith('(yes/no/[fingerprint])? '), 'the question', 20_000);
    // The CLI itself, as `kill PID` from another terminal reaches it (not the pty's process group).
    const pid = spawnSync('pgrep', ['-f', `^${process.execPath} .*UserKnownHostsFile=${knownHosts}`], { encoding: 'utf8' }).stdout.trim().split('\n')[0]!;
    process.kill(Number(pid), 'SIGTERM');
    const status = await done;
    clearTimeout(timer);
    expect(status).toBe(143);
    expect(out).toMatch(/\(yes\/no\/\[fingerprint\]\)\? \r*\nscpipe: interrupted by SIGTERM\r*\n/);
    expect(existsSync(join(dir, 'term.txt'))).toBe(false);
  });

  it('without a terminal refuses as before, saying how to add the key', async () => {
    // setsid: no controlling terminal, even when the tests run from one.
    const { SSH_AUTH_SOCK: _agent, ...env } = process.env;
    const r = spawnSync('setsid', ['-w', process.execPath, CLI, ...args(join(local(), 'known_hosts'), 'notty.txt')], {
      input: 'x', encoding: 'utf8', timeout: 30000, env: { ...env, HOME: process.env.SCPIPE_TEST_HOME },
    });
    expect(r.status).toBe(255);
    expect(r.stderr).toContain('there is no terminal to ask whether to trust it');
    expect(r.stderr).toContain(`ssh-keyscan -p ${sshd.port} -t `);
  });

  it('in the background of its terminal (under timeout), refuses at once instead of stopping for good', async () => {
    // Raw mode from a background process group stops it (SIGTTOU); timeout's
    // SIGTERM + SIGCONT only restarted the stop, so `timeout 20 scpipe` never ended.
    const { SSH_AUTH_SOCK: _agent, ...env } = process.env;
    const cmd = `printf x | timeout 20 ${shellQuote([process.execPath, CLI, ...args(join(local(), 'known_hosts'), 'bg.txt')])}; echo "status=$?"`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...env, HOME: process.env.SCPIPE_TEST_HOME } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40000);
    const started = Date.now();
    await new Promise((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    expect(out).toContain('status=255');
    expect(Date.now() - started).toBeLessThan(15000);
    expect(out).toContain('not asking on the terminal: scpipe runs in its background (under `timeout`, give it --foreground)');
    expect(out).toContain('there is no terminal to ask whether to trust it');
    expect(existsSync(join(dir, 'bg.txt'))).toBe(false);
  });

  it('where the known_hosts directory is missing (a new account), the line makes it first', () => {
    // `ssh-keyscan … >> ~/.ssh/known_hosts` alone failed in the shell: No such file or directory.
    const { SSH_AUTH_SOCK: _agent, ...env } = process.env;
    const sshDir = join(local(), 'new-home', '.ssh');
    const r = spawnSync('setsid', ['-w', process.execPath, CLI, ...args(join(sshDir, 'known_hosts'), 'notty.txt')], {
      input: 'x', encoding: 'utf8', timeout: 30000, env: { ...env, HOME: process.env.SCPIPE_TEST_HOME },
    });
    expect(r.status).toBe(255);
    expect(r.stderr).toContain(`add it with: mkdir -p -m 700 ${sshDir} && ssh-keyscan -p ${sshd.port} -t `);
  });
});
