// One test password at a time on this machine. password.test.ts and
// jump-password.test.ts set one on the same system account (withPassword),
// and jest runs files in parallel workers where there are more than two
// cores, as two checkouts tested at once do: one file's password, or its
// reset to '*', made the other's login fail or ask again.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';

const LOCK = path.join(os.tmpdir(), 'scpipe-test-password.lock');
const WAIT_MS = 300_000;

// The holder's pid; undefined while the lock is being made or removed.
function holder(): number | undefined {
  try {
    return Number(readFileSync(path.join(LOCK, 'pid'), 'utf8')) || undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding the lock; one left by a process that has gone (a killed run) is taken over. */
export async function withPasswordLock<T>(fn: () => Promise<T>): Promise<T> {
  const end = Date.now() + WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK); // atomic: one taker wins
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = holder();
    if (pid !== undefined && !alive(pid)) rmSync(LOCK, { recursive: true, force: true });
    else if (Date.now() > end) throw new Error(`${LOCK} held by process ${pid ?? '?'} for ${WAIT_MS / 1000} s`);
    else await new Promise((r) => setTimeout(r, 50));
  }
  writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
