// --append-only: every write handle open on a file, across every session,
// so that storing an upload's temporary file (its rename) ends their writing
// first. A handle opened on another client's upload in progress, or kept
// open by the uploader itself, would otherwise write on into the file once
// it is stored under its name, after the uploader read it back (--verify).
// Process-wide on purpose: a file is the same file for every server and
// session in the process, and is keyed by its device and inode.
import { lstat } from '../../fs/byte-fs';
import { refused, type AppendOnlyRefusal } from './append-only';

/** What a write handle shares with the registry: stopped once its file is stored. */
export class WriteGuard {
  stopped = false;
  private inflight = 0;
  private idle: (() => void)[] = [];

  constructor(readonly key: string) {}

  /** Runs a write (or truncate) through the handle, unless its file was stored meanwhile. */
  async run<T>(clientPath: string, what: () => Promise<T>): Promise<T> {
    if (this.stopped) throw storedFailure(clientPath);
    this.inflight++;
    try {
      return await what();
    } finally {
      if (--this.inflight === 0) for (const wake of this.idle.splice(0)) wake();
    }
  }

  /** Stops the handle writing; resolves once no write of it is under way. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.inflight === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }
}

const open = new Map<string, Set<WriteGuard>>();
const storing = new Set<string>();

/** The key of a file: its device and inode. */
export function fileKey(st: { dev: number; ino: number }): string {
  return `${st.dev}:${st.ino}`;
}

/** A guard for a new write handle on the file `key`; refused while that file is being stored. */
function guardWrites(key: string, clientPath: string): WriteGuard {
  if (storing.has(key)) throw storedFailure(clientPath);
  const guard = new WriteGuard(key);
  const set = open.get(key) ?? new Set();
  open.set(key, set.add(guard));
  return guard;
}

/**
 * The guard of a write handle just opened on `host` (`st`: its fstat). The
 * name must still lead to that file, with no other name: one stored between
 * the open and the guard's making has lost the name it was opened by.
 */
export async function guardOpened(clientPath: string, host: string, st: { dev: number; ino: number }): Promise<WriteGuard> {
  const guard = guardWrites(fileKey(st), clientPath);
  const named = await lstat(host).catch(() => undefined);
  if (named && fileKey(named) === guard.key && named.nlink === 1) return guard;
  releaseGuard(guard);
  throw storedFailure(clientPath);
}

/** Whether a handle that may write is open on the file `st` (an upload in progress, in any session). */
export function beingWritten(st: { dev: number | bigint; ino: number | bigint }): boolean {
  return [...(open.get(`${st.dev}:${st.ino}`) ?? [])].some((g) => !g.stopped);
}

/** Forgets a guard whose handle was closed. */
export function releaseGuard(guard: WriteGuard): void {
  const set = open.get(guard.key);
  if (set?.delete(guard) && set.size === 0) open.delete(guard.key);
}

/**
 * Stores the file `key` by `store()` (the rename), after every write handle
 * open on it stopped and finished its writes in flight; a handle opened on it
 * meanwhile is refused, and so is a second store of it. The handles stay stopped even when the store failed:
 * an upload is written by one client, which then closes its handle.
 */
export async function storeWithoutWriters<T>(key: string, clientPath: string, store: () => Promise<T>): Promise<T> {
  // Another rename of the same file, while this one compares it with a name's (store-upload.ts).
  if (storing.has(key)) throw refused(clientPath, 'another rename is storing it already');
  storing.add(key);
  try {
    await Promise.all([...(open.get(key) ?? [])].map((g) => g.stop()));
    return await store();
  } finally {
    storing.delete(key);
  }
}

function storedFailure(clientPath: string): AppendOnlyRefusal {
  return refused(clientPath, 'this upload was stored under its name meanwhile, and stored files are not written to');
}
