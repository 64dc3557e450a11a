// Ctrl-C of the bench while a synchronous step runs (the prewarm's child,
// which shares the terminal's process group and dies of the signal too):
// the bench cleans up once, starts no further run, prints no error for what
// the signal cut short, and exits 130.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { waitFor } from '../../helpers/async';

const ROOT = join(__dirname, '../../..');

// A bench in small: each run reads a file (so the next step starts from the
// event loop's poll phase, as after a run's checks), then waits on a child.
const FAKE_BENCH = `
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import { interrupted, runInterruptibly } from './scripts/bench/interrupt';
runInterruptibly(async () => {
  for (let run = 1; ; run++) {
    if (interrupted()) return;
    await fs.readFile(__filename);
    console.log('run ' + run);
    const r = spawnSync(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    if (r.status !== 0) throw new Error('the child failed: ' + r.signal);
  }
}, async () => { console.error('cleaned up'); });
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

test('Ctrl-C during a synchronous step: cleaned up once, no error, exit 130', async () => {
  const script = join(dir, 'bench.js');
  buildSync({ stdin: { contents: FAKE_BENCH, resolveDir: ROOT, loader: 'ts' }, bundle: true, platform: 'node', outfile: script, logLevel: 'silent' });
  // Its own process group, as a terminal's foreground job: the signal goes to the child too.
  bench = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  bench.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  bench.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => bench!.once('close', (code) => resolve(code)));
  await waitFor(() => out.includes('run 1') && children(bench!.pid!).length > 0, 'the first run\'s child', 30_000);
  process.kill(-bench.pid!, 'SIGINT');
  expect(await exited).toBe(130);
  expect(err).not.toContain('ERROR');
  expect(err.match(/cleaned up/g)).toEqual(['cleaned up']);
  expect(out).not.toContain('run 2');
});
