// Who holds a resume lock (resume-lock.ts) and whether that run is provably
// gone: the line a lock holds, its words for a message, and this run's own.
// A pid names a process only on one boot and in one pid namespace: the lock
// also holds the boot id and the namespace, and its pid is looked up only where
// both are this run's (two containers of one host name sharing a volume have
// pids of their own). On a local file system only this kernel writes (and
// containers share its boot id), so a lock of another boot is dead there.
// Locks of earlier versions hold neither: read, never broken.
import { readFile as readPlain, readlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ScpipeError } from '../errors';
import { lstat, readFile, writeFile } from '../fs/byte-fs';
import type { fileSystemOf } from '../fs/local-fs';
import { pathError, errnoCode } from '../fs/strerror';
import { escapeForTerminal } from '../util/escape';

/** Where the lock is (fileSystemOf). */
export type LockFileSystem = Awaited<ReturnType<typeof fileSystemOf>>;

export interface Owner {
  pid: number;
  host: string;
  start: string; // the process's start time in clock ticks since boot, '' where unknown
  since: string;
  /** /proc/sys/kernel/random/boot_id and the pid namespace's inode; '' where unknown, undefined in an earlier version's lock. */
  boot?: string;
  pidns?: string;
}

/** O_EXCL creation of a lock (or its breaker) naming `me`: true when made (ours), false when one is there. */
export async function create(path: string, me: Owner): Promise<boolean> {
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

/** The owner written in a lock; undefined when unreadable or garbled (held all the same), 'gone' when removed meanwhile. */
export async function readOwner(path: string): Promise<Owner | undefined | 'gone'> {
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

/** The holder in words; all of it is the lock file's, which anyone may have written where the directory is shared. */
export function describe(o: Owner): string {
  return `pid ${o.pid} on ${escapeForTerminal(o.host)}, since ${escapeForTerminal(o.since)}`;
}

/** Why a holder of this host name is not looked up, so that a lock left by a reboot is told from a live one elsewhere. */
export function unchecked(o: Owner, me: Owner, fs: LockFileSystem): string {
  if (o.host !== me.host) return '';
  if (o.boot === undefined) return '; written by an earlier scpipe, which does not say which boot its pid is of';
  if (!o.boot || !o.pidns || !me.boot || !me.pidns) return '; the boot or pid namespace of its run or of this one is unknown (no /proc to read)';
  if (o.boot !== me.boot) return `; from another boot of this host (gone since a restart) or another machine of that name, on ${fs.name}, which other machines may write`;
  if (o.pidns !== me.pidns) return '; from another pid namespace (another container) of this host name';
  return '';
}

/** Whether `o` names a boot, and not this run's: a restart since, or a disk that was another machine's. */
export function ofAnotherBoot(o: Owner, me: Owner): boolean {
  return !!o.boot && !!me.boot && o.boot !== me.boot;
}

/**
 * Dead only where that can be known: of another boot on a local file system,
 * or of this host, boot and pid namespace, and its pid gone, now another
 * process's, or a zombie (killed, not yet reaped by a parent that does not
 * wait, as a container's first process often is).
 */
export async function isDead(o: Owner | undefined, fs: LockFileSystem): Promise<boolean> {
  if (o === undefined) return false;
  const me = await myself();
  if (fs.local && ofAnotherBoot(o, me)) return true;
  if (o.host !== me.host) return false;
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

/**
 * Whether the lock at `path` is empty and was made before this machine last
 * started, on a local file system: a power cut came between its O_EXCL
 * creation and its line reaching the disk, so its run is gone. One made since
 * may be a live run's, writing its line this instant.
 */
export async function emptyBeforeBoot(path: string, fs: LockFileSystem): Promise<boolean> {
  if (!fs.local) return false;
  const st = await lstat(path).catch(() => undefined);
  const boot = await bootTimeMs();
  return st !== undefined && st.isFile() && st.size === 0 && boot !== undefined && st.mtimeMs < boot;
}

// When this machine started (/proc/stat's btime), in ms; undefined where unknown.
async function bootTimeMs(): Promise<number | undefined> {
  const m = /^btime (\d+)$/m.exec(await readPlain('/proc/stat', 'utf8').catch(() => ''));
  return m ? Number(m[1]) * 1000 : undefined;
}

// This run as a lock names it; the boot and the namespace are read once.
let identity: Promise<{ boot: string; pidns: string; start: string }> | undefined;
export async function myself(): Promise<Owner> {
  identity ??= (async () => ({
    boot: (await readPlain('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim(),
    pidns: /^pid:\[(\d+)\]$/.exec(await readlink('/proc/self/ns/pid').catch(() => ''))?.[1] ?? '',
    start: (await statOf(process.pid)).start,
  }))();
  return { pid: process.pid, host: hostname(), since: new Date().toISOString(), ...(await identity) };
}

// Fields 3 (the state) and 22 (the start) of /proc/PID/stat, after the parenthesised command name; '' where there is none.
async function statOf(pid: number): Promise<{ state: string; start: string }> {
  const text = await readPlain(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', start: fields[19] ?? '' };
}
