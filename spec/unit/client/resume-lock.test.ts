// The lock of `get --output FILE --resume` (FILE.scpipe-lock): who holds it
// is said, a lock whose run is gone is taken over by exactly one of the runs
// that find it so at once, and one that cannot be checked is left alone.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { takeResumeLock } from '../../../lib/client/resume-lock';
import { rejection, waitFor } from '../../helpers/async';
import { tempDirPerTest } from '../../helpers/temp-dir';
import { boot, lockIdentity, pidns } from '../../helpers/lock-identity';

const dir = tempDirPerTest('scpipe-resume-lock-');
const file = (): string => join(dir(), 'out');
const lockPath = (): string => join(dir(), 'out.scpipe-lock');

describe('takeResumeLock', () => {
  it('a second taker is refused, naming the first; release() removes the lock', async () => {
    const lock = await takeResumeLock(file());
    expect(readFileSync(lockPath(), 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+ \\S+ ${hostname()} boot=${boot} pidns=${pidns}\\n$`));
    const err = await rejection(takeResumeLock(file()));
    expect(err.code).toBe('ERR_LOCKED');
    expect(err.message).toMatch(new RegExp(`^${file()} is being restored by another scpipe get --resume \\(pid ${process.pid} on ${hostname()}, since \\S+\\), which holds ${lockPath()}: wait for it to end`));
    await lock.release();
    expect(readdirSync(dir())).toEqual([]);
  });

  it('the lock of a run that is gone is taken over by one of eight takers at once', async () => {
    const dead = spawnSync('true').pid!; // exited: its pid names no process (unless reused, which the start time tells)
    writeFileSync(lockPath(), `${dead} 1 2026-12-06T10:00:00.000Z ${hostname()} ${lockIdentity}\n`);
    const lines: string[] = [];
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => takeResumeLock(file(), (l) => lines.push(l))));
    const taken = results.filter((r) => r.status === 'fulfilled');
    expect(taken).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code: string }).code).toBe('ERR_LOCKED');
    expect(lines).toContain(`${lockPath()}: the run that held it (pid ${dead} on ${hostname()}, since 2026-12-06T10:00:00.000Z) is gone: lock taken over`);
    expect(readdirSync(dir())).toEqual(['out.scpipe-lock']); // no breaker left
    expect(readFileSync(lockPath(), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
  });

  it('the lock of a run that ended but is not reaped (a zombie: its parent does not wait) is taken over', async () => {
    // sh starts a short sleep, then becomes a long one that never waits for it: the short one, once it ends, stays a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number((await once(parent.stdout!, 'data'))[0].toString());
      const stat = (): string[] => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
      await waitFor(() => stat()[0] === 'Z', 'the zombie');
      writeFileSync(lockPath(), `${pid} ${stat()[19]} 2026-12-06T10:00:00.000Z ${hostname()} ${lockIdentity}\n`);
      const lines: string[] = [];
      const lock = await takeResumeLock(file(), (l) => lines.push(l));
      expect(lines).toEqual([`${lockPath()}: the run that held it (pid ${pid} on ${hostname()}, since 2026-12-06T10:00:00.000Z) is gone: lock taken over`]);
      expect(readFileSync(lockPath(), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
      await lock.release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('a lock from another host, or one it cannot read, is left alone', async () => {
    writeFileSync(lockPath(), `1 - 2026-12-06T10:00:00.000Z elsewhere.example\n`);
    expect((await rejection(takeResumeLock(file()))).message).toContain('(pid 1 on elsewhere.example, since 2026-12-06T10:00:00.000Z)');
    writeFileSync(lockPath(), 'garbage');
    expect((await rejection(takeResumeLock(file()))).message).toContain('another scpipe get --resume (a holder it does not name)');
    expect(readFileSync(lockPath(), 'utf8')).toBe('garbage');
  });

  // Anyone may write a lock in a shared directory (/tmp): what it says reaches the terminal escaped.
  it('the words of a lock are said escaped, its time too', async () => {
    writeFileSync(lockPath(), `1 - 2026\x1b]0;owned\x07 elsewhere\x1b[2J.example\n`);
    const err = await rejection(takeResumeLock(file()));
    expect(err.message).toContain('(pid 1 on elsewhere\\x1b[2J.example, since 2026\\x1b]0;owned\\x07)');
    expect(err.message).not.toMatch(/[\x00-\x1f]/);
  });

  // Two containers of one host name sharing a volume: the other's pid is not
  // ours to look up (gone here, or another process), so its live lock was
  // broken. Likewise an earlier version's lock, which does not say which boot
  // and namespace its pid belongs to (another boot's: resume-lock-boot.test.ts).
  it.each([
    ['another pid namespace', `boot=${boot} pidns=1`, 'from another pid namespace (another container) of this host name'],
    ['an earlier version (no boot, no namespace)', '', 'written by an earlier scpipe, which does not say which boot its pid is of'],
    ['a run that could not read its boot', `boot=- pidns=${pidns}`, 'the boot or pid namespace of its run or of this one is unknown (no /proc to read)'],
  ])('a lock of this host name from %s is left alone, naming its holder and why it is not checked', async (_from, identity, why) => {
    const dead = spawnSync('true').pid!;
    const lock = `${dead} 1 2026-12-06T10:00:00.000Z ${hostname()}${identity ? ` ${identity}` : ''}\n`;
    writeFileSync(lockPath(), lock);
    const err = await rejection(takeResumeLock(file()));
    expect(err.code).toBe('ERR_LOCKED');
    expect(err.message).toContain(`(pid ${dead} on ${hostname()}, since 2026-12-06T10:00:00.000Z; ${why})`);
    expect(readFileSync(lockPath(), 'utf8')).toBe(lock);
  });
});
