// FILE.scpipe-lock.break, which a run breaking a stale lock holds for a few
// file calls: one left behind (a power cut while it was there: empty; its run
// killed) must not keep the stale lock from being taken over for good.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { STALE_BREAKER_MS, takeResumeLock } from '../../../lib/client/resume-lock';
import { rejection } from '../../helpers/async';
import { tempDirPerTest } from '../../helpers/temp-dir';
import { lockIdentity } from '../../helpers/lock-identity';

const dir = tempDirPerTest('scpipe-resume-lock-breaker-');
const file = (): string => join(dir(), 'out');
const lockPath = (): string => join(dir(), 'out.scpipe-lock');
const breakPath = (): string => lockPath() + '.break';

function staleLock(): number {
  const dead = spawnSync('true').pid!; // exited: its pid names no process
  writeFileSync(lockPath(), `${dead} 1 2026-12-06T10:00:00.000Z ${hostname()} ${lockIdentity}\n`);
  return dead;
}

describe('a breaker left beside a stale lock', () => {
  it('empty and older than any break takes (a power cut): removed, said under -v, and the lock taken over', async () => {
    const dead = staleLock();
    writeFileSync(breakPath(), '');
    const old = (Date.now() - STALE_BREAKER_MS - 60_000) / 1000;
    utimesSync(breakPath(), old, old);
    const lines: string[] = [];
    const lock = await takeResumeLock(file(), (l) => lines.push(l));
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${breakPath()}: left by a run breaking the lock \\(it names no run\\) that is gone or stopped \\d+ s ago: removed$`)),
      `${lockPath()}: the run that held it (pid ${dead} on ${hostname()}, since 2026-12-06T10:00:00.000Z) is gone: lock taken over`,
    ]);
    expect(readdirSync(dir())).toEqual(['out.scpipe-lock']); // neither the breaker nor a name it was moved aside to
    expect(readFileSync(lockPath(), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    await lock.release();
    expect(readdirSync(dir())).toEqual([]);
  });

  it('of a run that is gone (killed while breaking): removed at once, and the lock taken over', async () => {
    staleLock();
    const breaker = spawnSync('true').pid!;
    writeFileSync(breakPath(), `${breaker} 1 2026-12-06T10:00:01.000Z ${hostname()} ${lockIdentity}\n`);
    const lock = await takeResumeLock(file());
    expect(readdirSync(dir())).toEqual(['out.scpipe-lock']);
    await lock.release();
  });

  // A breaker of moments ago may be another run's at work: left alone, but named, with what to do once it is known to be gone.
  it('empty and recent: ERR_LOCKED naming the breaker, not the dead holder as if it ran; both files left', async () => {
    const dead = staleLock();
    writeFileSync(breakPath(), '');
    const err = await rejection(takeResumeLock(file()));
    expect(err.code).toBe('ERR_LOCKED');
    expect(err.message).toMatch(
      new RegExp(
        `^${lockPath()} is left by a run that is gone \\(pid ${dead} on ${hostname()}, since 2026-12-06T10:00:00.000Z\\), but ${breakPath()}, made by a run breaking it \\(it names no run, \\d+ s ago\\), is in the way: if no other scpipe get --resume into ${file()} is running, remove ${breakPath()}$`,
      ),
    );
    expect(readdirSync(dir()).sort()).toEqual(['out.scpipe-lock', 'out.scpipe-lock.break']);
    expect(readFileSync(breakPath(), 'utf8')).toBe('');
  });
});
