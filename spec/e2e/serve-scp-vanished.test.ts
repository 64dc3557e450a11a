// A stock `scp -O` download whose client stops reading past 1 MiB (its
// output, a FIFO, is no longer read) and is then SIGKILLed with its ssh:
// serve must close the file and the connection, log the download once,
// hold a bounded part of the file meanwhile, and serve others throughout.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor, waitForSteady } from '../helpers/async';
import { runProgram } from '../helpers/run-program';
import { servePerSuite } from '../helpers/serve';
import { descriptorsOf } from '../helpers/open-files';

const serve = servePerSuite();
const SIZE = 256 * 1024 * 1024;

const fds = descriptorsOf;
const rssKiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const readBytes = (pid: number): number => Number(/rchar:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
const exited = (child: ChildProcess): Promise<void> => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scpipe-test-scp-vanished-'));
  writeFileSync(join(serve.root, 'big.bin'), '');
  truncateSync(join(serve.root, 'big.bin'), SIZE); // sparse: read at memory speed
  writeFileSync(join(serve.root, 'small.txt'), 'still served\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Another client's `scp -O` download, whole.
async function otherClientGets(name: string): Promise<void> {
  const out = join(dir, name);
  const r = await runProgram('scp', ['-O', '-q', ...serve.sshArgs(), '127.0.0.1:/small.txt', out]);
  expect({ status: r.status, got: readFileSync(out, 'utf8') }).toEqual({ status: 0, got: 'still served\n' });
}

test('scp -O get that stops reading past 1 MiB, then is killed: file and connection closed, one log line, others served', async () => {
  const pid = serve.process.pid!;
  const big = join(serve.root, 'big.bin');
  const before = fds(pid).length;
  const rssBefore = rssKiB(pid);
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  // The reader takes 1 MiB, then holds the FIFO open and reads no more.
  const reader = spawn('bash', ['-c', 'exec 3<"$1"; head -c 1048576 <&3 >/dev/null; exec sleep 600', 'reader', fifo], { stdio: 'ignore' });
  // scp and its ssh in a process group of their own, to be killed together.
  const scp = spawn('scp', ['-O', '-q', ...serve.sshArgs(), '127.0.0.1:/big.bin', fifo], { stdio: 'ignore', detached: true });
  try {
    await waitFor(() => fds(pid).includes(big), 'serve opened the file', 20_000);
    await waitForSteady(() => readBytes(pid), 'serve stopped reading the file', 1000, 60_000);
    const grownMiB = Math.round((rssKiB(pid) - rssBefore) / 1024);
    await otherClientGets('during');
    process.kill(-scp.pid!, 'SIGKILL');
    await exited(scp);
    await waitFor(() => / download \/big\.bin \d+ bytes failed: /.test(serve.log()), 'the download logged', 20_000);
    await waitFor(() => fds(pid).length <= before, 'serve back to its descriptors', 20_000);
    expect(fds(pid)).not.toContain(big);
    const lines = serve.log().split('\n').filter((l) => l.includes('/big.bin'));
    expect(lines).toEqual([expect.stringMatching(/^scpipe: backup@127\.0\.0\.1:\d+ key SHA256:\S+ download \/big\.bin \d+ bytes failed: connection lost while sending the file data$/)]);
    const sent = Number(/download \/big\.bin (\d+) bytes/.exec(lines[0]!)![1]);
    expect({ sent, grownMiB, bounded: sent >= 1024 * 1024 && sent < SIZE / 4 && grownMiB < 64 }).toEqual({ sent, grownMiB, bounded: true });
    await otherClientGets('after');
  } finally {
    if (scp.exitCode === null && scp.signalCode === null) process.kill(-scp.pid!, 'SIGKILL');
    reader.kill('SIGKILL');
    await exited(reader);
  }
}, 120_000);
