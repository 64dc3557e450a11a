// Several `get --resume` runs that find one stale lock at once (and a stale
// breaker beside it): however their file calls interleave, exactly one takes
// the lock, and no run removes a lock another has taken since. Real files;
// the runs are concurrent calls of this process, each file call put off by a
// seeded random number of turns of the event loop to vary the order.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { STALE_BREAKER_MS, takeResumeLock } from '../../../lib/client/resume-lock';
import { tempDirPerTest } from '../../helpers/temp-dir';
import { lockIdentity } from '../../helpers/lock-identity';

let seed = 1;
const turns = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 16) % 6;
const jitter = async (): Promise<void> => {
  for (let n = turns(); n > 0; n--) await new Promise((resolve) => setImmediate(resolve));
};
jest.mock('../../../lib/fs/byte-fs', () => {
  const real = jest.requireActual<Record<string, unknown>>('../../../lib/fs/byte-fs');
  const late = (name: string) => async (...args: unknown[]) => {
    await jitter();
    try {
      return await (real[name] as (...a: unknown[]) => Promise<unknown>)(...args);
    } finally {
      await jitter();
    }
  };
  return { ...real, ...Object.fromEntries(['writeFile', 'readFile', 'lstat', 'rename', 'link', 'unlink'].map((n) => [n, late(n)])) };
});

const dir = tempDirPerTest('scpipe-resume-lock-takers-');
const dead = spawnSync('true').pid!; // exited: its pid names no process

async function round(takers: number, staleBreaker: boolean): Promise<{ held: number; locked: number; left: string[] }> {
  const lockPath = join(dir(), 'out.scpipe-lock');
  writeFileSync(lockPath, `${dead} 1 2026-12-06T10:00:00.000Z ${hostname()} ${lockIdentity}\n`);
  if (staleBreaker) {
    writeFileSync(lockPath + '.break', '');
    const old = (Date.now() - STALE_BREAKER_MS - 60_000) / 1000;
    utimesSync(lockPath + '.break', old, old);
  }
  const results = await Promise.allSettled(Array.from({ length: takers }, () => takeResumeLock(join(dir(), 'out'))));
  const left = readdirSync(dir()).sort();
  const locked = results.filter((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'ERR_LOCKED').length;
  const holders = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  for (const h of holders) await h.release();
  for (const name of readdirSync(dir())) rmSync(join(dir(), name));
  return { held: holders.length, locked, left };
}

test.each([
  ['a stale lock', false],
  ['a stale lock and a stale breaker', true],
])('four runs and more at once before %s: exactly one holds it, the others are told it is held', async (_what, staleBreaker) => {
  seed = staleBreaker ? 7 : 3;
  for (let i = 0; i < 200; i++) {
    const takers = 4 + (i % 4);
    const r = await round(takers, staleBreaker);
    expect({ i, ...r }).toEqual({ i, held: 1, locked: takers - 1, left: ['out.scpipe-lock'] });
  }
});
