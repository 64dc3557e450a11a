// The lock of `get --output FILE --resume`: FILE.scpipe-lock beside FILE,
// made with O_EXCL and holding the owner's pid, host, the process's start
// (Linux: /proc/PID/stat, so a reused pid is not taken for it) and when it
// began. Two runs writing into one kept file would interleave their bytes;
// the second says who holds the lock and stops. Node has no flock(2), so a
// lock whose owner is gone (SIGKILL, a power cut) stays: a run on the same
// host that finds its pid dead breaks it, under FILE.scpipe-lock.break (also
// O_EXCL), so two runs that find it stale at once do not both take it.
// A pid names a process only on one boot and in one pid namespace: the lock
// also holds the boot id and the namespace, and is broken only where both are
// this run's (two containers of one host name sharing a volume have pids of
// their own). Locks of earlier versions hold neither: read, never broken.
import { readFile as readPlain, readlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ScpipeError } from '../errors';
import { readFile, unlink, writeFile } from '../fs/byte-fs';
import { joinName } from '../fs/join-name';
import { pathError, errnoCode } from '../fs/strerror';
import { resolveTarget } from '../fs/target';
import { escapeForTerminal } from '../util/escape';
import { resumeLockName } from './kept-names';

interface Owner {
  pid: number;
  host: string;
  start: string; // the process's start time in clock ticks since boot, '' where unknown
  since: string;
  /** /proc/sys/kernel/random/boot_id and the pid namespace's inode; '' where unknown, undefined in an earlier version's lock. */
  boot?: string;
  pidns?: string;
}

/** A held lock; release() removes it. */
export interface ResumeLock {
  path: string;
  release(): Promise<void>;
}

/** Takes the lock of a restore into `output`; ERR_LOCKED, naming the holder, while another live run holds it. */
export async function takeResumeLock(output: string, log?: (line: string) => void): Promise<ResumeLock> {
  const target = await resolveTarget(output);
  const path = joinName(dirname(target.path), resumeLockName(target.path)); // fitted to NAME_MAX as the kept file's name is
  const me = await myself();
  for (let tries = 0; ; tries++) {
    if (await create(path, me)) return { path, release: () => releaseIfOurs(path, me) };
    const holder = await readOwner(path);
    if (holder === 'gone' && tries < 5) continue; // released between the two calls
    if (tries < 3 && holder !== undefined && holder !== 'gone' && (await isDead(holder))) {
      // Broken by this run or another at once: either way the next try takes it, or names its new holder.
      if (await breakStale(path, holder)) log?.(`${escapeForTerminal(path)}: the run that held it (${describe(holder)}) is gone: lock taken over`);
      continue;
    }
    const who = holder === undefined || holder === 'gone' ? 'a holder it does not name' : describe(holder) + unchecked(holder, me);
    throw new ScpipeError(
      'ERR_LOCKED',
      `${escapeForTerminal(target.path)} is being restored by another scpipe get --resume (${who}), which holds ${escapeForTerminal(path)}: wait for it to end, or stop it; remove the lock only if that run is gone`,
      { path },
    );
  }
}

// O_EXCL creation: true when made (ours), false when one is there.
async function create(path: string, me: Owner): Promise<boolean> {
  // The identity after the host: an earlier version reads it as part of a foreign host's name, and leaves the lock alone.
  const text = `${me.pid} ${me.start || '-'} ${me.since} ${me.host} boot=${me.boot || '-'} pidns=${me.pidns || '-'}\n`;
  try {
    await writeFile(path, text, { mode: 0o644, flag: 'wx' }); // O_EXCL: a symbolic link there is not followed either
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw new ScpipeError('ERR_LOCAL_IO', `cannot lock the restore: ${pathError(path, err)}`, { path, cause: err });
  }
}

// The owner written in the lock; undefined when unreadable or garbled (held all the same), 'gone' when removed meanwhile.
async function readOwner(path: string): Promise<Owner | undefined | 'gone'> {
  const text = await readFile(path).then(
    (b) => b.toString('utf8'),
    (err: unknown) => (errnoCode(err) === 'ENOENT' ? null : undefined),
  );
  if (text === null) return 'gone';
  const m = /^(\d+) (\d+|-) (\S+) (.+?)(?: boot=(\S+) pidns=(\S+))?\n$/.exec(text ?? '');
  if (!m) return undefined;
  const known = (v: string | undefined): string | undefined => (v === undefined ? undefined : v === '-' ? '' : v);
  return { pid: Number(m[1]), start: m[2] === '-' ? '' : m[2]!, since: m[3]!, host: m[4]!, boot: known(m[5]), pidns: known(m[6]) };
}

// All of it is the lock file's, which anyone may have written where the directory is shared.
function describe(o: Owner): string {
  return `pid ${o.pid} on ${escapeForTerminal(o.host)}, since ${escapeForTerminal(o.since)}`;
}

// Why a holder of this host name is not looked up, so that a lock left by a reboot is told from a live one elsewhere.
function unchecked(o: Owner, me: Owner): string {
  if (o.host !== me.host) return '';
  if (o.boot === undefined) return '; written by an earlier scpipe, which does not say which boot its pid is of';
  if (!o.boot || !o.pidns || !me.boot || !me.pidns) return '; the boot or pid namespace of its run or of this one is unknown (no /proc to read)';
  if (o.boot !== me.boot) return '; from another boot of this host (gone since a restart) or another machine of that name';
  if (o.pidns !== me.pidns) return '; from another pid namespace (another container) of this host name';
  return '';
}

// Dead only where that can be known: this host, boot and pid namespace, and
// its pid gone, now another process's, or a zombie (killed, not yet reaped by
// a parent that does not wait, as a container's first process often is).
async function isDead(o: Owner | undefined): Promise<boolean> {
  if (o === undefined || o.host !== hostname()) return false;
  const me = await myself();
  if (!o.boot || !o.pidns || o.boot !== me.boot || o.pidns !== me.pidns) return false;
  try {
    process.kill(o.pid, 0);
  } catch (err) {
    return errnoCode(err) === 'ESRCH'; // EPERM: alive, another user's
  }
  const now = await statOf(o.pid);
  if (now.state === 'Z' || now.state === 'X') return true;
  return o.start !== '' && now.start !== '' && now.start !== o.start;
}

// This run as a lock names it; the boot and the namespace are read once.
let identity: Promise<{ boot: string; pidns: string; start: string }> | undefined;
async function myself(): Promise<Owner> {
  identity ??= (async () => ({
    boot: (await readPlain('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim(),
    pidns: /^pid:\[(\d+)\]$/.exec(await readlink('/proc/self/ns/pid').catch(() => ''))?.[1] ?? '',
    start: await startOf(process.pid),
  }))();
  return { pid: process.pid, host: hostname(), since: new Date().toISOString(), ...(await identity) };
}

async function startOf(pid: number): Promise<string> {
  return (await statOf(pid)).start;
}

// Fields 3 (the state) and 22 (the start) of /proc/PID/stat, after the parenthesised command name; '' where there is none.
async function statOf(pid: number): Promise<{ state: string; start: string }> {
  const text = await readPlain(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', start: fields[19] ?? '' };
}

// Removes the stale lock of `holder` unless another run is breaking it or broke it first; true when this run removed it.
async function breakStale(path: string, holder: Owner): Promise<boolean> {
  const breaker = path + '.break';
  const me = await myself();
  if (!(await create(breaker, me))) {
    const other = await readOwner(breaker);
    // A breaker that died in its few milliseconds: its file goes, and the next try breaks again.
    if (other !== 'gone' && (await isDead(other))) await unlink(breaker).catch(() => undefined);
    return false;
  }
  try {
    const now = await readOwner(path);
    // Gone: broken by another run, which may take it between our read and an unlink; else taken by a live run meanwhile.
    if (now === 'gone' || now === undefined || now.pid !== holder.pid || now.since !== holder.since) return false;
    await unlink(path).catch(() => undefined);
    return true;
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

// The lock goes only while it is still this run's (a user may have removed it, and another run taken it).
async function releaseIfOurs(path: string, me: Owner): Promise<void> {
  const now = await readOwner(path);
  if (now !== 'gone' && now !== undefined && now.pid === me.pid && now.since === me.since) await unlink(path).catch(() => undefined);
}
