// scpipe kept running after the terminal it was started from hung up (the
// SSH session dropped; scpipe was under setsid or disowned, so no SIGHUP
// reached it): its stdout is still that terminal, now gone. Node before 24
// aborted at exit restoring it (tcsetattr: EIO), so a transfer that
// succeeded exited by SIGABRT or SIGSEGV, with a native stack trace.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { CLI, remote, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();

// Runs argv with stdout on a pseudo-terminal whose other end is closed after
// hangUpMs, as a dropped SSH session closes it (python3: Node has no pty).
const PTY_RUN = `
import os, pty, subprocess, sys, time
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=s, stderr=subprocess.PIPE)
os.close(s)
time.sleep(float(sys.argv[1]) / 1000)
os.close(m)
sys.stderr.write(p.stderr.read().decode(errors='replace'))
rc = p.wait()
print(rc)
`;

function runWithHungUpStdout(argv: string[], hangUpMs: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ status: number; stderr: string }> {
  const { SSH_AUTH_SOCK: _agent, ...env } = { ...process.env, ...extraEnv };
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', PTY_RUN, String(hangUpMs), ...argv], { env: { ...env, HOME: process.env.SCPIPE_TEST_HOME } });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      resolve({ status: Number(out.trim()), stderr });
    });
  });
}

it('a put that outlives its terminal exits 0 when the file is stored, without a crash', async () => {
  const dir = await userDir(sshd.sftp, 'hangup');
  const target = remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/f.bin`);
  // The producer writes after the terminal is gone, so scpipe is still running then.
  const r = await runWithHungUpStdout(
    [process.execPath, CLI, 'put', ...sshFlags(sshd, sshd.sftp), target, '--', 'sh', '-c', 'sleep 1; echo stored'],
    300,
  );
  expect(r.stderr).not.toContain('Assertion failed');
  expect(r.status).toBe(0);
  expect(await readFile(join(dir, 'f.bin'), 'utf8')).toBe('stored\n');
});

// Node notes at its own start which descriptors are terminals; scpipe looked
// later, once its code had loaded. A terminal that hung up in between (a
// slow start on a loaded machine) was no terminal to scpipe, and Node still
// aborted at exit. Here Node is held before scpipe's code until it has hung up.
it('a put whose terminal hangs up while it starts exits 0, without a crash', async () => {
  const dir = await userDir(sshd.sftp, 'hangup-start');
  const target = remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/f.bin`);
  const local = await mkdtemp(join(tmpdir(), 'scpipe-test-hangup-'));
  try {
    const hold = join(local, 'hold.js');
    await writeFile(hold, `const { isatty } = require('node:tty');
const end = Date.now() + 20000;
const cell = new Int32Array(new SharedArrayBuffer(4));
while (isatty(1) && Date.now() < end) Atomics.wait(cell, 0, 0, 10);
`);
    const r = await runWithHungUpStdout(
      [process.execPath, CLI, 'put', ...sshFlags(sshd, sshd.sftp), target, '--', 'sh', '-c', 'echo stored'],
      300,
      { NODE_OPTIONS: `--require ${hold}` },
    );
    expect(r.stderr).not.toContain('Assertion failed');
    expect(r.status).toBe(0);
    expect(await readFile(join(dir, 'f.bin'), 'utf8')).toBe('stored\n');
  } finally {
    await rm(local, { recursive: true, force: true });
  }
});
