// Puts the machine's free memory in the same state before every timed run.
import { spawnSync } from 'child_process';
import * as fs from 'fs';

const MiB = 1024 * 1024;
const CHUNK = 256 * MiB;

/**
 * On a VM whose balloon has free page reporting on (scripts/bench/machine.ts),
 * memory freed in bulk is handed back to the host within seconds (the
 * kernel's page_reporting parameters), and a page taken from what was handed
 * back faults on the host too. A run's cost then depends on how long ago the
 * run before it freed its gigabytes (its spool and its remote file), that is
 * on its place in the round (docs/performance.md §1).
 *
 * So before each run a child process touches `bytes` of fresh memory and
 * exits: every case then starts on memory the host backs, as on a machine
 * without a balloon, wherever it stands in the round. Capped at what the
 * kernel says is available, less 1 GiB. Returns the seconds it took.
 */
export function prewarmMemory(bytes: number): number {
  const available = Number(/^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) * 1024;
  const chunks = Math.floor(Math.min(bytes, available - 1024 * MiB) / CHUNK);
  if (chunks <= 0) return 0;
  // The chunks are kept until exit: freed ones would be reused, not touched anew.
  const code = `const k=[];for(let i=0;i<${chunks};i++)k.push(Buffer.allocUnsafeSlow(${CHUNK}).fill(1));`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`prewarm (${chunks * 256} MiB) failed: ${r.stderr?.toString() ?? r.error?.message}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
