// `scpipe serve --client-alive-interval`: a logged-in client that stops
// answering (a laptop suspended mid-session, here OpenSSH's ssh stopped with
// SIGSTOP) is cut after the interval times (count + 1), with sshd's log
// line; a client that is idle but answers stays; a count of 0 never cuts.
// Real OpenSSH clients. A frozen client goes through a relay that notes when
// it last sent a byte and what the server sent since: the interval counts
// from the client's last packet, whenever the freeze lands.
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from '../helpers/async';
import { runCli } from '../helpers/cli';
import { startServe, type TestServe } from '../helpers/serve';
import { startTcpRelay, type TcpRelay } from '../helpers/tcp-relay';

let serve: TestServe;
const started: ChildProcess[] = [];
const relays: TcpRelay[] = [];

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
  for (const r of relays) await r.close();
  await serve?.stop();
});

// ssh to `to` (serve, or `port` in front of it); `extra` picks what it does.
function ssh(extra: string[], to = serve, port = to.port): { child: ChildProcess; exit: Promise<number | null> } {
  // ssh keeps the first value of an option: the port is swapped, and the host key looked up under serve's.
  const options = to.sshArgs().map((a) => (a === `Port=${to.port}` ? `Port=${port}` : a));
  const args = [...options, '-o', `HostKeyAlias=[127.0.0.1]:${to.port}`, '-o', 'ServerAliveInterval=0', ...extra];
  const child = spawn('ssh', args, { stdio: ['pipe', 'ignore', 'ignore'] });
  started.push(child);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exit };
}

interface Watch {
  relay: TcpRelay;
  /** When the client's last bytes passed (performance.now()). */
  lastFromClient: number;
  /** Reads from the server since the client's last bytes: its unanswered keepalives, and maybe an answer to those bytes. */
  fromServerSince: number;
  /** When the server closed the connection. */
  closedAt?: number;
}

// A relay to `to` that keeps a Watch of its one connection.
async function watch(to: TestServe): Promise<Watch> {
  const w = { lastFromClient: 0, fromServerSince: 0 } as Watch;
  w.relay = await startTcpRelay(to.port, (client, upstream) => {
    client.on('data', (d: Buffer) => {
      upstream.write(d);
      [w.lastFromClient, w.fromServerSince] = [performance.now(), 0];
    });
    upstream.on('data', (d: Buffer) => {
      client.write(d);
      w.fromServerSince++;
    });
    upstream.once('close', () => (w.closedAt ??= performance.now()));
  });
  relays.push(w.relay);
  return w;
}

const authenticatedTimes = (): number => serve.log().split('\n').filter((l) => / authenticated$/.test(l)).length;

describe('serve --client-alive-interval 1 --client-alive-count-max 2', () => {
  it('cuts a client that stops answering, with sshd\'s words, and keeps one that is idle but answers', async () => {
    // Idle but alive: a connection with no session at all (ssh -N).
    const idle = ssh(['-N', '127.0.0.1']);
    await waitFor(() => authenticatedTimes() >= 1, 'the idle client logged in', 15_000);
    // An SFTP session whose client is then frozen.
    const w = await watch(serve);
    const frozen = ssh(['-s', '127.0.0.1', 'sftp'], serve, w.relay.port);
    await waitFor(() => authenticatedTimes() >= 2, 'the second client logged in', 15_000);
    frozen.child.kill('SIGSTOP');
    await waitFor(() => /Timeout, client not responding from user backup 127\.0\.0\.1 port \d+/.test(serve.log()), 'the timeout line', 20_000);
    await waitFor(() => w.closedAt !== undefined, 'the server closed the frozen connection');
    // Asked unanswered at 1 s and 2 s after the client's last packet, cut at
    // 3 s (timers may fire a few ms early); the idle client saw the same questions and answered them.
    expect(w.closedAt! - w.lastFromClient).toBeGreaterThanOrEqual(2_900);
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
    const w = await watch(keeper);
    try {
      const { child } = ssh(['-N', '127.0.0.1'], keeper, w.relay.port);
      await waitFor(() => / authenticated$/m.test(keeper.log()), 'the client logged in', 15_000);
      child.kill('SIGSTOP');
      // Four unanswered questions: a count of 2 cuts at the third (above), 0
      // never. (The server's reads since may also hold its answer to the client's last packet.)
      const asked = (): boolean => w.fromServerSince >= 4 && performance.now() - w.lastFromClient >= 4_200;
      await waitFor(() => asked() || w.closedAt !== undefined, 'four keepalives unanswered', 20_000);
      child.kill('SIGCONT');
      // Thawed, the client answers them.
      await waitFor(() => w.fromServerSince === 0 || w.closedAt !== undefined, 'the client answered', 20_000);
      expect(w.closedAt).toBeUndefined();
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
