// `scpipe serve --client-alive-interval`: a logged-in client that stops
// answering (a laptop suspended mid-session, here OpenSSH's ssh stopped with
// SIGSTOP) is cut after the interval times (count + 1), with sshd's log
// line; a client that is idle but answers stays; a count of 0 never cuts.
// Real OpenSSH clients.
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from '../helpers/async';
import { runCli } from '../helpers/cli';
import { startServe, type TestServe } from '../helpers/serve';

let serve: TestServe;
const started: ChildProcess[] = [];

beforeAll(async () => {
  serve = await startServe(['-v', '--client-alive-interval', '1', '--client-alive-count-max', '2']);
});
afterAll(async () => {
  for (const p of started) {
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGCONT');
      p.kill('SIGKILL');
    }
  }
  await serve?.stop();
});

// ssh to serve; `extra` picks what it does. Its stderr is kept for messages.
function ssh(extra: string[]): { child: ChildProcess; exit: Promise<number | null> } {
  const child = spawn('ssh', [...serve.sshArgs(), '-o', 'ServerAliveInterval=0', ...extra], { stdio: ['pipe', 'ignore', 'ignore'] });
  started.push(child);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exit };
}

const authenticatedTimes = (): number => serve.log().split('\n').filter((l) => / authenticated$/.test(l)).length;

describe('serve --client-alive-interval 1 --client-alive-count-max 2', () => {
  it('cuts a client that stops answering, with sshd\'s words, and keeps one that is idle but answers', async () => {
    // Idle but alive: a connection with no session at all (ssh -N).
    const idle = ssh(['-N', '127.0.0.1']);
    await waitFor(() => authenticatedTimes() >= 1, 'the idle client logged in', 15_000);
    // An SFTP session whose client is then frozen.
    const frozen = ssh(['-s', '127.0.0.1', 'sftp']);
    await waitFor(() => authenticatedTimes() >= 2, 'the second client logged in', 15_000);
    frozen.child.kill('SIGSTOP');
    const frozenAt = Date.now();
    await waitFor(() => /Timeout, client not responding from user backup 127\.0\.0\.1 port \d+/.test(serve.log()), 'the timeout line', 20_000);
    // Unanswered at 1 s and 2 s, cut at 3 s; the idle client saw the same questions and answered them.
    expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(2_500);
    expect(serve.log().match(/Timeout, client not responding/g)).toHaveLength(1);
    expect(idle.child.exitCode).toBeNull();
    // Thawed, the frozen client finds its connection gone: ssh's status 255.
    frozen.child.kill('SIGCONT');
    frozen.child.stdin!.end();
    expect(await frozen.exit).toBe(255);
    idle.child.kill('SIGTERM');
    await idle.exit;
  }, 60_000);
});

describe('serve --client-alive-interval 1 --client-alive-count-max 0', () => {
  it('asks but never cuts, as sshd since 8.2: a frozen client is still connected once thawed', async () => {
    const keeper = await startServe(['-v', '--client-alive-interval', '1', '--client-alive-count-max', '0']);
    try {
      const child = spawn('ssh', [...keeper.sshArgs(), '-o', 'ServerAliveInterval=0', '-N', '127.0.0.1'], { stdio: ['pipe', 'ignore', 'ignore'] });
      started.push(child);
      await waitFor(() => / authenticated$/m.test(keeper.log()), 'the client logged in', 15_000);
      child.kill('SIGSTOP');
      // Four unanswered questions: a count of 2 cuts at the third (above), 0 never.
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      child.kill('SIGCONT');
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(keeper.log()).not.toMatch(/Timeout, client not responding/);
      expect(child.exitCode).toBeNull();
      child.kill('SIGTERM');
    } finally {
      await keeper.stop();
    }
  }, 60_000);
});

describe('serve: the client-alive options are checked before listening', () => {
  it.each([
    [['--client-alive-interval', '-1'], /bad --client-alive-interval "-1": give a number of at least 0/],
    [['--client-alive-count-max', '-1'], /bad --client-alive-count-max "-1": give a number of at least 0/],
    [['--client-alive-count-max', '1.5'], /bad --client-alive-count-max "1.5": give a number of at least 0/],
  ])('%j: usage error, exit 2', async (args, message) => {
    const r = await runCli(['serve', '--root', serve.root, '--addr', '127.0.0.1:0', ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
