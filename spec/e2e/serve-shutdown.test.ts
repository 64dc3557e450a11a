// `scpipe serve` stopped as a service is stopped (systemctl stop, docker
// stop: SIGTERM). It exited 143, which systemd counts as a failure of every
// stop (sshd exits 0 on SIGTERM); it exited as soon as the sockets closed,
// so the transfers in flight could lose their log line; and a client that
// stopped answering held the exit for the CLI's 10 s, with a message meant
// for a client ("the server did not answer").
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { startServe, type TestServe } from '../helpers/serve';

let serve: TestServe;
const clients: ChildProcess[] = [];
beforeEach(async () => {
  serve = await startServe();
});
afterEach(async () => {
  for (const c of clients.splice(0)) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
  await serve?.stop();
});

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

// OpenSSH's scp, 8 Mbit/s at most, so that the file is in flight when the server stops.
function slowScp(source: string, target: string, sftp: boolean): ChildProcess {
  const child = spawn('scp', [...(sftp ? [] : ['-O']), '-q', '-l', '8000', ...serve.sshArgs(), source, `127.0.0.1:${target}`], { stdio: 'ignore' });
  clients.push(child);
  return child;
}

it('on SIGTERM cuts the transfers in flight, logs each, leaves no temporary file and exits 0', async () => {
  const big = join(serve.dir, 'big');
  await writeFile(big, Buffer.alloc(20 << 20, 7));
  const scp = slowScp(big, '/scp.bin', false);
  const sftp = slowScp(big, '/sftp.bin', true);
  await waitFor(async () => (await readdir(serve.root)).length === 2, 'both uploads under way');
  await waitFor(() => (serve.log().match(/Accepted publickey/g) ?? []).length === 2, 'both logins');
  serve.process.kill('SIGTERM');
  expect(await exited(serve.process)).toBe(0);
  const log = serve.log();
  expect(log).toContain('scpipe: SIGTERM: shutting down\n');
  expect(log).toMatch(/@127\.0\.0\.1:\d+ upload \/scp\.bin \d+ bytes failed: the server is shutting down\n/);
  expect(log).toMatch(/@127\.0\.0\.1:\d+ sftp upload \/sftp\.bin \d+ bytes failed: the session ended with the file open\n/);
  expect(log.endsWith('scpipe: stopped\n')).toBe(true);
  // scp -t received into a temporary name, removed; SFTP writes in place, as sftp-server.
  expect(await readdir(serve.root)).toEqual(['sftp.bin']);
  expect(await exited(scp)).not.toBe(0);
  expect(await exited(sftp)).not.toBe(0);
});

it('does not wait for a client that stopped answering for more than 5 s', async () => {
  // ssh running the sink by hand, then stopped: it will never close its side.
  const ssh = spawn('ssh', [...serve.sshArgs(), '127.0.0.1', 'scp -t /held'], { stdio: ['pipe', 'ignore', 'ignore'] });
  clients.push(ssh);
  ssh.stdin!.on('error', () => undefined);
  ssh.stdin!.write(`C0644 1000000 held\n${'x'.repeat(1000)}`);
  await waitFor(async () => (await readdir(serve.root)).length === 1, 'the upload under way');
  ssh.kill('SIGSTOP');
  const started = Date.now();
  serve.process.kill('SIGTERM');
  expect(await exited(serve.process)).toBe(0);
  const took = Date.now() - started;
  expect(took).toBeGreaterThan(4_000);
  expect(took).toBeLessThan(9_000);
  expect(serve.log()).toContain('scpipe: shutdown: 1 connection still open after 5 s: dropped\n');
  expect(serve.log()).not.toContain('did not answer');
  expect(await readdir(serve.root)).toEqual([]);
});

it('exits 130 on SIGINT, as every command', async () => {
  serve.process.kill('SIGINT');
  expect(await exited(serve.process)).toBe(130);
  expect(serve.log()).toContain('scpipe: SIGINT: shutting down\nscpipe: interrupted by SIGINT\n');
});
