// Ctrl-C of the bench while a synchronous step runs (the prewarm's child,
// which shares the terminal's process group and dies of the signal too):
// the bench cleans up once, starts no further run, prints no error for what
// the signal cut short, and exits 130. A second Ctrl-C lets the clean-up
// finish; a third leaves at once, saying what is left.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { waitFor } from '../../helpers/async';

const ROOT = join(__dirname, '../../..');

// A bench in small: each run reads a file (so the next step starts from the
// event loop's poll phase, as after a run's checks), then waits on a child.
// Its clean-up, given CLEANUP_UNTIL, lasts until that file exists.
const FAKE_BENCH = `
import { spawnSync } from 'child_process';
import { existsSync, promises as fs } from 'fs';
import { interrupted, runInterruptibly } from './scripts/bench/interrupt';
const until = process.env.CLEANUP_UNTIL;
let left = ['the temporary files in /tmp/scpipe-bench-x'];
const cleanup = async () => {
  while (until && !existsSync(until)) await new Promise((r) => setTimeout(r, 20));
  left = [];
  console.error('cleaned up');
};
runInterruptibly(async () => {
  for (let run = 1; ; run++) {
    if (interrupted()) return;
    await fs.readFile(__filename);
    console.log('run ' + run);
    const r = spawnSync(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    if (r.status !== 0) throw new Error('the child failed: ' + r.signal);
  }
}, cleanup, () => left);
`;

let dir: string;
let bench: ChildProcess | undefined;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'scpipe-bench-interrupt-')); });
afterEach(() => {
  if (bench?.pid && bench.exitCode === null && bench.signalCode === null) process.kill(-bench.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const children = (pid: number): number[] =>
  readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number));

// Starts the fake bench in its own process group (a terminal's foreground
// job: the signal goes to the child too) and waits for its first run's child.
async function startBench(env: NodeJS.ProcessEnv = {}): Promise<{ out: () => string; err: () => string; exited: Promise<number | null> }> {
  const script = join(dir, 'bench.js');
  buildSync({ stdin: { contents: FAKE_BENCH, resolveDir: ROOT, loader: 'ts' }, bundle: true, platform: 'node', outfile: script, logLevel: 'silent' });
  bench = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  bench.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  bench.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => bench!.once('close', (code) => resolve(code)));
  await waitFor(() => out.includes('run 1') && children(bench!.pid!).length > 0, 'the first run\'s child', 30_000);
  return { out: () => out, err: () => err, exited };
}

// A second Ctrl-C killed the bench in the middle of its clean-up: sshd, the
// relay and the temporary files were left. User sees: "still cleaning up
// (left: …)", the clean-up finishing, exit 130.
test('a second Ctrl-C during the clean-up lets it finish', async () => {
  const done = join(dir, 'clean-up-may-end');
  const { err, exited } = await startBench({ CLEANUP_UNTIL: done });
  process.kill(-bench!.pid!, 'SIGINT');
  await waitFor(() => err().includes('SIGINT: cleaning up'), 'the clean-up', 30_000);
  process.kill(bench!.pid!, 'SIGINT');
  await waitFor(() => err().includes('still cleaning up'), 'the second signal said', 30_000);
  expect(err()).toContain('SIGINT: still cleaning up (left: the temporary files in /tmp/scpipe-bench-x); once more to stop now and leave that behind\n');
  writeFileSync(done, '');
  expect(await exited).toBe(130);
  expect(err().match(/cleaned up/g)).toEqual(['cleaned up']);
});

test('a third signal stops the clean-up at once, saying what is left', async () => {
  const { err, exited } = await startBench({ CLEANUP_UNTIL: join(dir, 'never') });
  process.kill(-bench!.pid!, 'SIGINT');
  await waitFor(() => err().includes('SIGINT: cleaning up'), 'the clean-up', 30_000);
  process.kill(bench!.pid!, 'SIGINT');
  await waitFor(() => err().includes('still cleaning up'), 'the second signal said', 30_000);
  process.kill(bench!.pid!, 'SIGTERM');
  expect(await exited).toBe(130);
  expect(err()).toContain('SIGTERM: stopped before the clean-up ended; left behind:\n  the temporary files in /tmp/scpipe-bench-x\n');
  expect(err()).not.toContain('cleaned up');
});

test('Ctrl-C during a synchronous step: cleaned up once, no error, exit 130', async () => {
  const { out, err, exited } = await startBench();
  process.kill(-bench!.pid!, 'SIGINT');
  expect(await exited).toBe(130);
  expect(err()).not.toContain('ERROR');
  expect(err().match(/cleaned up/g)).toEqual(['cleaned up']);
  expect(out()).not.toContain('run 2');
});
