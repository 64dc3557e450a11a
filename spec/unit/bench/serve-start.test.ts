// A Ctrl-C of the bench while its `scpipe serve` is starting (before it has
// said its port) stops that serve too, rather than leaving it running.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../../../scripts/bench/env';
import { startBenchServe, stopBenchServe } from '../../../scripts/bench/serve-cases';
import { waitFor } from '../../helpers/async';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let dir: string;
let pid: number | undefined;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'scpipe-bench-serve-')); });
afterEach(() => {
  if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('a serve stopped while it starts is killed, and its start fails', async () => {
  // A serve that never says it listens, and writes down its pid.
  const pidFile = join(dir, 'pid');
  const cli = join(dir, 'slow-serve.js');
  writeFileSync(cli, `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`);
  writeFileSync(join(dir, 'key.pub'), 'ssh-ed25519 AAAA test\n');
  const env = {
    tmp: dir, remoteDir: dir, home: dir,
    sshd: { rssh: { keyPath: join(dir, 'key') } },
    opts: { cli, rtt: 0, extraCa: false },
  } as unknown as Env;
  const starting = startBenchServe(env);
  starting.catch(() => undefined);
  await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 'the serve to start', 30_000);
  pid = Number(readFileSync(pidFile, 'utf8'));
  await stopBenchServe();
  expect(alive(pid)).toBe(false);
  await expect(starting).rejects.toThrow('scpipe serve exited');
});
