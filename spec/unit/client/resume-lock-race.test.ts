// Two runs that find one stale lock of `get --resume` at once: the one that
// comes second to break it, and finds it already gone, must not remove the
// lock a live run has taken since. The file calls are held mid-way (a double
// of byte-fs that lets the real calls through) to make that order certain.
import { spawnSync } from 'node:child_process';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { takeResumeLock } from '../../../lib/client/resume-lock';
import { heldGate, rejection } from '../../helpers/async';
import { tempDirPerTest } from '../../helpers/temp-dir';
import { lockIdentity } from '../../helpers/lock-identity';

const mockHooks: { beforeWrite?: (path: string) => Promise<void>; afterRead?: (path: string) => Promise<void> } = {};
jest.mock('../../../lib/fs/byte-fs', () => {
  const real = jest.requireActual<typeof import('../../../lib/fs/byte-fs')>('../../../lib/fs/byte-fs');
  return {
    ...real,
    readFile: async (path: string) => {
      try {
        return await real.readFile(path);
      } finally {
        await mockHooks.afterRead?.(path);
      }
    },
    writeFile: async (path: string, data: string | Buffer, opts?: { mode?: number; flag?: string }) => {
      await mockHooks.beforeWrite?.(path);
      return real.writeFile(path, data, opts);
    },
  };
});

const dir = tempDirPerTest('scpipe-resume-lock-race-');
const file = (): string => join(dir(), 'out');
const lockPath = (): string => join(dir(), 'out.scpipe-lock');

test('a run that comes to break a stale lock another run already broke leaves the lock a live run took since', async () => {
  const dead = spawnSync('true').pid!;
  writeFileSync(lockPath(), `${dead} 1 2026-12-06T10:00:00.000Z ${hostname()} ${lockIdentity}\n`);
  const breaking = heldGate();
  const reread = heldGate();
  let reads = 0;
  mockHooks.beforeWrite = (p) => (p.endsWith('.break') ? breaking.hold() : Promise.resolve());
  mockHooks.afterRead = (p) => (p === lockPath() && ++reads === 2 ? reread.hold() : Promise.resolve());
  const late = takeResumeLock(file());
  await breaking.reached; // it found the lock stale and is about to break it
  unlinkSync(lockPath()); // another run broke it first
  breaking.release();
  await reread.reached; // it found the lock gone
  delete mockHooks.beforeWrite;
  delete mockHooks.afterRead;
  const live = await takeResumeLock(file()); // a live run takes it meanwhile
  const held = readFileSync(lockPath(), 'utf8');
  reread.release();
  const err = await rejection(late);
  expect(err.code).toBe('ERR_LOCKED');
  expect(readFileSync(lockPath(), 'utf8')).toBe(held);
  await live.release();
});

test('a run held up by another run breaking a stale lock, which then takes it: told a live run holds it, not to remove a breaker', async () => {
  const dead = spawnSync('true').pid!;
  writeFileSync(lockPath(), `${dead} 1 2026-12-06T10:00:00.000Z ${hostname()} ${lockIdentity}\n`);
  // The other run's breaker: this live process, just now.
  writeFileSync(`${lockPath()}.break`, `${process.pid} - 2026-12-06T10:05:00.000Z ${hostname()} ${lockIdentity}\n`);
  const again = heldGate();
  let creates = 0;
  mockHooks.beforeWrite = (p) => (p === lockPath() && ++creates === 2 ? again.hold() : Promise.resolve());
  const late = takeResumeLock(file());
  await again.reached; // it found the breaker in the way, and tries the lock again
  delete mockHooks.beforeWrite;
  // The other run broke the stale lock, removed its breaker and took the lock.
  unlinkSync(`${lockPath()}.break`);
  unlinkSync(lockPath());
  const live = await takeResumeLock(file());
  again.release();
  const err = await rejection(late);
  expect(err.code).toBe('ERR_LOCKED');
  expect(err.message).toMatch(new RegExp(`^${file()} is being restored by another scpipe get --resume \\(pid ${process.pid} on `));
  expect(err.message).not.toContain('.break');
  await live.release();
});
